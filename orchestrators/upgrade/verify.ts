/**
 * Runbook: "Verify the upgrade": the release deployed on the target chart, the pods healthy, `Application started`
 * in the server log and the UI answering, polled by a monitor until its deadline. When the pods are not healthy in
 * the end, their symptoms are collected for a diagnosis (upgrade-guide/050-resolve-common-upgrade-issues.md) that
 * the closing e-mail and the audit record carry.
 */
import { verificationEvidence } from "../../lib/workflow/evidence.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import { transientRetry } from "../retry.js";
import { describeError } from "./errors.js";
import type { Target, UpgradeRun } from "./run.js";

export interface Verdict {
  ok: boolean;
  summary: string;
}

/**
 * `timedOutRevision`: the revision a Helm timeout marked failed whose pods came up within the grace. `paced`: the
 * Helm change whose settling verification waits for (the basic upgrade's, or the data upgrade's finalize), which
 * paces the polls of runs from 2.3.
 */
export function* verify(
  run: UpgradeRun,
  { plan }: Target,
  since: Date,
  timedOutRevision?: number,
  paced?: { anchor: Date; after: "basic" | "finalize" },
): Flow<Verdict> {
  run.record.startStage("verify");
  const pace = paced ? run.pace({ kind: "verify", after: paced.after }, paced.anchor) : undefined;
  const watch = scheduleMonitor(run.deps.monitor, {
    cluster: run.cluster,
    check: {
      kind: "verify",
      chartVersion: plan.toChart,
      since: since.toISOString(),
      ...(timedOutRevision ? { timedOutRevision } : {}),
    },
    intervalMs: run.policy.pollIntervalMs,
    deadline: new Date(run.now.getTime() + run.policy.verifyDeadlineMs).toISOString(),
    ...(pace ? { pace } : {}),
  });
  yield watch.task;
  const result = watch.result();
  run.record.verification(verificationEvidence(result));
  if (!result.ok && !result.observation?.pods.healthy) yield* diagnosePods(run);
  run.record.endStage("verify", result.ok ? "succeeded" : "failed", result.summary);
  return { ok: result.ok, summary: result.summary };
}

/** Records a diagnosis of the unhealthy pods; a failure to read them is recorded, never the run's end. */
export function* diagnosePods(run: UpgradeRun): Flow<void> {
  if (!startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.podDiagnosis)) return;
  const at = run.now.toISOString();
  try {
    const found = yield* call(run.activities.diagnosePods, { cluster: run.cluster }, transientRetry);
    run.record.diagnosis({ at, ...found });
    for (const line of found.lines) run.record.event(`diagnosis: ${line}`);
  } catch (error) {
    run.record.diagnosis({ at, lines: [], pods: [], error: describeError(error) });
    run.record.event(`the pods' symptoms could not be read: ${describeError(error)}`);
  }
}
