/**
 * Runbook: approval, the optional maintenance window, and "Notify users of the downtime": the last stages before
 * the point of no return, each of which a cancel can still end with nothing changed.
 */
import type { Task } from "durable-functions";
import { approvalQuestion, downtimeNotice } from "../../lib/notifications/wording.js";
import type { Flow } from "../calls.js";
import { decide } from "./decisions.js";
import { notify } from "./finish.js";
import { end, go, type Step, type Target, type UpgradeRun } from "./run.js";

export function* getApproval(run: UpgradeRun, { plan }: Target): Flow<Step<void>> {
  run.record.startStage("approval");
  const pre = run.input.preApproved;
  if (pre) {
    run.record.endStage("approval", "succeeded", `pre-approved by ${pre.gate} (decision ${pre.decisionId})`);
    return go(undefined);
  }
  const { policy } = run;
  const approval = yield* decide(run, {
    kind: "approval",
    approvers: policy.approvers,
    required: policy.requiredApprovals,
    deadlineMs: policy.approvalDeadlineMs,
    question: approvalQuestion(run.facts, plan.fromRelease, plan.toRelease),
  });
  if (approval.choice === "cancelled") {
    run.record.endStage("approval", "failed", "cancelled while waiting");
    return end("cancelled", `cancelled by ${run.cancelledBy()} while awaiting approval`);
  }
  if (approval.choice !== "approve") {
    const why = approval.timedOut
      ? "no decision before the deadline (timeout counts as rejection)"
      : approval.choice === "undeliverable"
        ? "no approver could be reached"
        : "rejected";
    run.record.endStage("approval", "failed", why);
    return end(approval.choice === "undeliverable" ? "failed" : "rejected", `approval ${why}`);
  }
  run.record.endStage("approval", "succeeded", "approved");
  return go(undefined);
}

/** Sleeps on a durable timer until the window the requester asked for opens. */
export function* waitForMaintenanceWindow(run: UpgradeRun): Flow<Step<void>> {
  const notBefore = run.input.notBefore;
  if (!notBefore) return go(undefined);
  const opensAt = new Date(notBefore);
  if (opensAt.getTime() <= run.now.getTime()) return go(undefined);
  run.record.startStage("maintenance-window", `sleeping until ${opensAt.toISOString()}`);
  const timer = run.context.df.createTimer(opensAt);
  const contenders: Task[] = run.cancelRequested ? [timer] : [timer, run.cancelTask];
  if ((yield run.context.df.Task.any(contenders)) !== timer) {
    timer.cancel();
    run.record.endStage("maintenance-window", "failed", "cancelled");
    return end("cancelled", `cancelled by ${run.cancelledBy()} before the maintenance window`);
  }
  run.record.endStage("maintenance-window", "succeeded");
  return go(undefined);
}

export function* announceDowntime(run: UpgradeRun, { plan }: Target): Flow<Step<void>> {
  run.record.startStage("downtime-notice");
  const notice = downtimeNotice(
    {
      ...run.facts,
      fromRelease: plan.fromRelease,
      toRelease: plan.toRelease,
      expectedDowntimeMinutes: plan.expectedDowntimeMinutes,
    },
    run.now,
  );
  yield* notify(run, "downtime-notice", run.policy.notifyUsers, notice);
  run.record.endStage("downtime-notice", "succeeded");
  if (run.cancelRequested) return end("cancelled", `cancelled by ${run.cancelledBy()} before the Helm upgrade`);
  return go(undefined);
}
