/**
 * Runbook: "Verify the upgrade": the release deployed on the target chart, the pods healthy, `Application started`
 * in the server log and the UI answering, polled by a monitor until its deadline.
 */
import { verificationEvidence } from "../../lib/workflow/evidence.js";
import type { Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import type { Target, UpgradeRun } from "./run.js";

export interface Verdict {
  ok: boolean;
  summary: string;
}

/** `timedOutRevision`: the revision a Helm timeout marked failed whose pods came up within the grace. */
export function* verify(run: UpgradeRun, { plan }: Target, since: Date, timedOutRevision?: number): Flow<Verdict> {
  run.record.startStage("verify");
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
  });
  yield watch.task;
  const result = watch.result();
  run.record.verification(verificationEvidence(result));
  run.record.endStage("verify", result.ok ? "succeeded" : "failed", result.summary);
  return { ok: result.ok, summary: result.summary };
}
