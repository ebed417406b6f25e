/**
 * Runbook: "Perform Helm upgrade" (basic) and verify. A basic upgrade that fails rolls back to the last deployed
 * revision, at once or when a person says so (the cluster's rollback policy).
 */
import { rollbackQuestion } from "../../lib/notifications/wording.js";
import type { Flow } from "../calls.js";
import { decide } from "./decisions.js";
import { helmUpgrade, rollback } from "./helm.js";
import { afterHelm } from "./procedure.js";
import type { RunEnd, Target, UpgradeRun } from "./run.js";
import { verify } from "./verify.js";

export function* basicUpgrade(run: UpgradeRun, target: Target): Flow<RunEnd> {
  const { plan } = target;
  run.record.startStage("helm-upgrade", `chart ${plan.toChart}`);
  const upgrade = yield* helmUpgrade(run, target, "basic", 1);
  if (!upgrade.ok) {
    run.record.endStage("helm-upgrade", "failed", upgrade.summary);
    return yield* afterBasicFailure(run, target.source.revision, `helm upgrade failed: ${upgrade.summary}`);
  }
  run.record.endStage("helm-upgrade", "succeeded", upgrade.summary);
  if (run.cancelRequested)
    return {
      status: "halted",
      reason: `cancelled by ${run.cancelledBy()} after the Helm upgrade; verification skipped`,
    };
  const stepsFailed = yield* afterHelm(run, target);
  if (stepsFailed) return stepsFailed;
  const verified = yield* verify(run, target, upgrade.startedAt, upgrade.timedOutRevision, {
    anchor: upgrade.startedAt,
    after: "basic",
  });
  if (verified.ok) return { status: "completed", reason: `upgraded to ${plan.toRelease} on chart ${plan.toChart}` };
  return yield* afterBasicFailure(run, target.source.revision, `verification failed: ${verified.summary}`);
}

/** Rolls back to `toRevision` when the policy or a person says so; the run ends failed either way. */
export function* afterBasicFailure(run: UpgradeRun, toRevision: number, reason: string): Flow<RunEnd> {
  let rollBack = run.policy.rollback === "auto";
  if (!rollBack) {
    const answer = yield* decide(run, {
      kind: "rollback",
      approvers: [...run.policy.approvers, ...run.policy.notifyOperators],
      required: 1,
      deadlineMs: run.policy.decisionDeadlineMs,
      question: rollbackQuestion(run.facts, reason, toRevision),
    });
    rollBack = answer.choice === "rollback";
    if (!rollBack)
      run.record.event(
        answer.timedOut ? "no rollback decision before the deadline: left as is" : "rollback declined: left as is",
      );
  }
  if (!rollBack) return { status: "failed", reason: `${reason}; the release was left as it is` };
  const rolledBack = yield* rollback(run, toRevision);
  return {
    status: "failed",
    reason: rolledBack
      ? `${reason}; rolled back to revision ${toRevision}`
      : `${reason}; the rollback to revision ${toRevision} failed too`,
  };
}
