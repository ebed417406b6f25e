/**
 * Runbook: approval, the optional maintenance window, and "Notify users of the downtime": the last stages before
 * the point of no return, each of which a cancel can still end with nothing changed. From version 2.2 the start is
 * scheduled once approved: inside the profile's maintenance window, never on a blocked day unless an approver
 * overrode it with a reason, and users are told of the window in advance (upgrade-guide/010-plan-the-upgrade.md,
 * "Inform the stakeholders").
 */
import type { Task } from "durable-functions";
import {
  approvalQuestion,
  commandLines,
  downtimeNotice,
  scheduledNotice,
  type DowntimeFacts,
} from "../../lib/notifications/wording.js";
import { APPROVAL_WITH_OVERRIDE, OVERRIDE_CHOICE } from "../../lib/workflow/model.js";
import {
  describeInstant,
  describeWindow,
  planStart,
  type SchedulePolicy,
  type StartPlan,
} from "../../lib/workflow/schedule.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import type { Flow } from "../calls.js";
import { decide, notApproved } from "./decisions.js";
import { notify } from "./finish.js";
import { end, go, type Step, type Target, type UpgradeRun } from "./run.js";

/** When the Helm change starts; absent on runs that predate scheduling (they wait for `notBefore` only). */
export type Start = Extract<StartPlan, { ok: true }> | undefined;

const schedulePolicy = (run: UpgradeRun): SchedulePolicy => ({
  blockedDays: run.policy.blockedDays ?? [],
  timeZone: run.policy.timeZone,
  maintenanceWindow: run.policy.maintenanceWindow,
});

const notBefore = (run: UpgradeRun): number | undefined =>
  run.input.notBefore ? new Date(run.input.notBefore).getTime() : undefined;

const scheduling = (run: UpgradeRun): boolean => startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.scheduledStart);

export function* getApproval(run: UpgradeRun, { plan }: Target): Flow<Step<Start>> {
  run.record.startStage("approval");
  const pre = run.input.preApproved;
  if (pre) {
    run.record.endStage("approval", "succeeded", `pre-approved by ${pre.gate} (decision ${pre.decisionId})`);
    return go(undefined);
  }
  const { policy } = run;
  const schedule = schedulePolicy(run);
  // Offered only when the start, as it stands now, falls on a blocked day: the page says so (functions/approvals).
  const blocked = scheduling(run)
    ? planStart(schedule, { now: run.now.getTime(), notBefore: notBefore(run), override: false })
    : undefined;
  const offerOverride = blocked?.ok === false;
  const question = approvalQuestion(run.facts, plan.fromRelease, plan.toRelease);
  const approval = yield* decide(run, {
    kind: "approval",
    approvers: policy.approvers,
    required: policy.requiredApprovals,
    deadlineMs: policy.approvalDeadlineMs,
    question: offerOverride && !blocked.ok ? `${question} Note: ${blocked.reason}.` : question,
    ...(offerOverride ? { choices: APPROVAL_WITH_OVERRIDE } : {}),
    ...(plan.commands ? { commands: commandLines(plan.commands) } : {}),
  });
  if (approval.choice === "cancelled") {
    run.record.endStage("approval", "failed", "cancelled while waiting");
    return end("cancelled", `cancelled by ${run.cancelledBy()} while awaiting approval`);
  }
  if (approval.choice !== "approve") {
    const { status, why } = notApproved(approval);
    run.record.endStage("approval", "failed", why);
    return end(status, `approval ${why}`);
  }
  if (!scheduling(run)) {
    run.record.endStage("approval", "succeeded", "approved");
    return go(undefined);
  }
  return scheduleStart(run, schedule);
}

/** Where the approved change starts, judged when the approval is complete; a blocked day ends the run here. */
function scheduleStart(run: UpgradeRun, schedule: SchedulePolicy): Step<Start> {
  const overrides = run.record.evidence.decisions.filter((d) => d.kind === "approval" && d.choice === OVERRIDE_CHOICE);
  const start = planStart(schedule, {
    now: run.now.getTime(),
    notBefore: notBefore(run),
    override: overrides.length > 0,
  });
  if (!start.ok) {
    run.record.endStage("approval", "failed", `blocked day: ${start.reason}`);
    return end("rejected", `approved, but ${start.reason}; nothing changed on the cluster`);
  }
  const startsAt = new Date(start.startsAt).toISOString();
  if (start.overriddenDay)
    for (const override of overrides) {
      run.record.blockedDayOverride({
        approver: override.approver,
        reason: override.reason ?? "",
        day: start.overriddenDay,
        startsAt,
        decidedAt: override.decidedAt,
        ...(override.signed ? { signed: override.signed } : {}),
      });
      run.record.event(
        `blocked day (${start.overriddenDay}) overridden by ${override.approver}: ${override.reason ?? ""}`,
      );
    }
  run.record.schedule({
    startsAt,
    ...(start.window
      ? {
          window: {
            opensAt: new Date(start.window.opensAt).toISOString(),
            closesAt: new Date(start.window.closesAt).toISOString(),
          },
        }
      : {}),
    ...(schedule.timeZone ? { timeZone: schedule.timeZone } : {}),
    blockedDays: [...schedule.blockedDays],
  });
  run.record.endStage(
    "approval",
    "succeeded",
    start.overriddenDay ? `approved, blocked day ${start.overriddenDay} overridden` : "approved",
  );
  return go(start);
}

export function downtimeFacts(run: UpgradeRun, { plan }: Target): DowntimeFacts {
  return {
    ...run.facts,
    fromRelease: plan.fromRelease,
    toRelease: plan.toRelease,
    expectedDowntimeMinutes: plan.expectedDowntimeMinutes,
    businessImpact: run.policy.businessImpact,
  };
}

/**
 * Sleeps on a durable timer until the change may start: the scheduled start, or (runs before 2.2) the requester's
 * `notBefore`. A later start is announced to users first, with its window.
 */
export function* waitForMaintenanceWindow(run: UpgradeRun, target: Target, start: Start): Flow<Step<void>> {
  const startsAt = start ? start.startsAt : run.input.notBefore ? new Date(run.input.notBefore).getTime() : undefined;
  if (startsAt === undefined || startsAt <= run.now.getTime()) return go(undefined);
  const opensAt = new Date(startsAt);
  if (start) {
    const facts = downtimeFacts(run, target);
    const window = start.window ?? {
      opensAt: startsAt,
      closesAt: startsAt + facts.expectedDowntimeMinutes * 60_000,
    };
    const notice = scheduledNotice(facts, describeWindow(window, run.policy.timeZone), describeInstant(startsAt));
    yield* notify(run, "upgrade-scheduled", run.policy.notifyUsers, notice);
  }
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

export function* announceDowntime(run: UpgradeRun, target: Target): Flow<Step<void>> {
  run.record.startStage("downtime-notice");
  const notice = downtimeNotice(downtimeFacts(run, target), run.now, run.policy.timeZone);
  yield* notify(run, "downtime-notice", run.policy.notifyUsers, notice);
  run.record.endStage("downtime-notice", "succeeded");
  if (run.cancelRequested) return end("cancelled", `cancelled by ${run.cancelledBy()} before the Helm upgrade`);
  return go(undefined);
}
