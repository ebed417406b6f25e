/**
 * Runbook: "Perform system pre-checks". One look at the UI, the pods and the server log, a listing of the queues,
 * and the verdict (lib/workflow/checks.ts). Busy queues are waited for in a sub-orchestration until they drain or
 * a deadline passes; a cancel ends that wait, since nothing has changed yet.
 */
import { evaluatePreChecks } from "../../lib/workflow/checks.js";
import { call, scheduleChild, type Flow } from "../calls.js";
import { readQueues } from "../queues.js";
import { transientRetry } from "../retry.js";
import { end, go, queueThresholds, type Step, type UpgradeRun } from "./run.js";

const BLOCKED = "blocked by pre-checks, nothing changed";

export function* runPreChecks(run: UpgradeRun): Flow<Step<void>> {
  run.record.startStage("pre-checks");
  const { policy } = run;
  const observation = yield* call(
    run.activities.runPreChecks,
    { cluster: run.cluster, logWindowSeconds: policy.logWindowSeconds },
    transientRetry,
  );
  const queueDeps = { startQueueListing: run.activities.startQueueListing, monitor: run.deps.monitor };
  const queues = yield* readQueues(run.context, queueDeps, run.cluster, policy.pollIntervalMs);
  run.record.preChecks(observation, queues);
  const verdict = evaluatePreChecks({ ...observation, queues }, queueThresholds(run));
  for (const warning of verdict.warnings) run.record.event(`pre-check warning: ${warning.message}`);
  if (verdict.blockers.length > 0) {
    const reasons = verdict.blockers.map((b) => b.message).join("; ");
    run.record.endStage("pre-checks", "failed", reasons);
    return end("failed", `${BLOCKED}: ${reasons}`);
  }
  if (verdict.waitForQueues) {
    const drained = yield* waitForQueues(run);
    if (!drained.go) return drained;
  }
  run.record.endStage(
    "pre-checks",
    "succeeded",
    verdict.warnings.length ? `${verdict.warnings.length} warnings` : "all clear",
  );
  return go(undefined);
}

function* waitForQueues(run: UpgradeRun): Flow<Step<void>> {
  run.record.event("queues are busy: waiting for them to drain");
  const { policy } = run;
  const drain = scheduleChild(run.deps.queueDrain, {
    cluster: run.cluster,
    ...queueThresholds(run),
    intervalMs: policy.pollIntervalMs,
    deadline: new Date(run.now.getTime() + policy.queueDrainDeadlineMs).toISOString(),
  });
  if (run.cancelRequested) yield drain.task;
  else if ((yield run.context.df.Task.any([drain.task, run.cancelTask])) !== drain.task) {
    run.record.endStage("pre-checks", "failed", "cancelled while waiting for queues");
    return end("cancelled", `cancelled by ${run.cancelledBy()} while waiting for queues`);
  }
  const drained = drain.result();
  if (drained.observation) run.record.queuesDrained(drained.observation);
  if (!drained.ok) {
    run.record.endStage("pre-checks", "failed", `queues did not drain in time: ${drained.summary}`);
    return end("failed", `${BLOCKED}: queues did not drain (${drained.summary})`);
  }
  return go(undefined);
}
