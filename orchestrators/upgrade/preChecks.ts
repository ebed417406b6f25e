/**
 * Runbook: "Perform system pre-checks". One look at the UI, the pods and the server log, a listing of the queues,
 * proof that the target chart resolves from the cluster's chart source, and the verdict (lib/workflow/checks.ts).
 * Busy queues are waited for in a sub-orchestration until they drain or a deadline passes; a cancel ends that wait,
 * since nothing has changed yet.
 */
import { evaluateChartCheck, evaluatePreChecks, type CheckFinding } from "../../lib/workflow/checks.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, scheduleChild, type Flow } from "../calls.js";
import { watchShortCommand } from "../monitor.js";
import { readQueues } from "../queues.js";
import { transientRetry } from "../retry.js";
import { end, go, queueThresholds, type Step, type Target, type UpgradeRun } from "./run.js";

const BLOCKED = "blocked by pre-checks, nothing changed";
/** `helm show chart` downloads one small chart; an answer later than this counts as an unreachable source. */
const CHART_CHECK_BUDGET_MS = 3 * 60_000;

export function* runPreChecks(run: UpgradeRun, target: Target): Flow<Step<void>> {
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
  const chart = startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.chartResolvesPreCheck)
    ? yield* checkChartResolves(run, target)
    : undefined;
  const verdict = evaluatePreChecks({ ...observation, queues }, queueThresholds(run));
  for (const warning of verdict.warnings) run.record.event(`pre-check warning: ${warning.message}`);
  const blockers = [...(chart ? [chart] : []), ...verdict.blockers];
  if (blockers.length > 0) {
    const reasons = blockers.map((b) => b.message).join("; ");
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

/** The target chart version, fetched from the cluster's chart source the way the upgrade will; a finding if not. */
function* checkChartResolves(run: UpgradeRun, { plan }: Target): Flow<CheckFinding | undefined> {
  const at = run.now.toISOString();
  const started = yield* call(
    run.activities.startChartCheck,
    { cluster: run.cluster, chartVersion: plan.toChart },
    transientRetry,
  );
  if (!started.ok) {
    const finding = { code: "chart-source-unreachable", message: `the chart check did not start: ${started.reason}` };
    run.record.chartCheck({ at, command: "", ok: false, code: finding.code, summary: finding.message });
    return finding;
  }
  const watched = yield* watchShortCommand(run.deps.monitor, {
    cluster: run.cluster,
    handle: started.handle,
    intervalMs: run.policy.pollIntervalMs,
    now: run.now,
    budgetMs: CHART_CHECK_BUDGET_MS,
  });
  const verdict = evaluateChartCheck(watched, started.command);
  run.record.chartCheck(
    verdict.ok
      ? { at, command: started.command, ok: true, summary: verdict.summary }
      : { at, command: started.command, ok: false, code: verdict.finding.code, summary: verdict.finding.message },
  );
  return verdict.ok ? undefined : verdict.finding;
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
