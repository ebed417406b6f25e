/**
 * Human decisions: ask people by signed e-mail link, then wait for their answers, with reminders, escalation and a
 * deadline (a missed deadline rejects an approval). Quorum and self-approval are counted by lib/workflow/decisions.
 */
import type { Task, TimerTask } from "durable-functions";
import type { DecisionRequestResult } from "../../lib/workflow/contracts.js";
import { newPendingDecision, stillToDecide, tallyDecision } from "../../lib/workflow/decisions.js";
import {
  DecisionEventSchema,
  type DecisionEvent,
  type DecisionKind,
  type DecisionSigned,
  type PendingDecision,
} from "../../lib/workflow/model.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { describeError } from "./errors.js";
import type { UpgradeRun } from "./run.js";

export interface DecisionOutcome {
  /** The choice that counted; `cancelled`, `undeliverable` or `none` when nobody's did. */
  choice: string;
  timedOut: boolean;
}

export interface DecisionRequest {
  kind: DecisionKind;
  approvers: string[];
  required: number;
  deadlineMs: number;
  question: string;
  /** Choices other than the kind's own (lib/workflow/decisions `newPendingDecision`). */
  choices?: readonly string[];
  /** What will run, one line each, for the e-mail (an approval shows the plan's commands). */
  commands?: readonly string[];
}

/** Why an approval that did not approve (and was not cancelled) ends, and in which state: unreachable fails. */
export function notApproved(outcome: DecisionOutcome): { status: "rejected" | "failed"; why: string } {
  if (outcome.timedOut)
    return { status: "rejected", why: "no decision before the deadline (timeout counts as rejection)" };
  if (outcome.choice === "undeliverable") return { status: "failed", why: "no approver could be reached" };
  return { status: "rejected", why: "rejected" };
}

/** Only an approval has reminders and escalation, and only an approval can be cancelled while it waits. */
export function* decide(run: UpgradeRun, request: DecisionRequest): Flow<DecisionOutcome> {
  const { kind } = request;
  const df = run.context.df;
  const policy = run.policy;
  const approval = kind === "approval";
  const deadline = new Date(run.now.getTime() + request.deadlineMs);
  const recipients = [...new Set(request.approvers.map((a) => a.toLowerCase()))];
  let pending = newPendingDecision({
    requestId: run.newRequestId(kind),
    kind,
    approvers: recipients,
    required: request.required,
    deadline,
    ...(request.choices ? { choices: request.choices } : {}),
  });
  const delivered = yield* ask(run, pending, recipients, request, false);
  if (delivered.sent.length === 0) {
    run.record.event(`no one could be asked (${kind}): ${delivered.failed.map((f) => f.reason).join("; ")}`);
    return { choice: approval ? "undeliverable" : "none", timedOut: false };
  }
  run.record.pending(pending);
  if (approval) run.record.status("awaiting-approval");

  const startedAt = run.now.getTime();
  let reminderAt = approval && policy.reminderAfterMs ? startedAt + policy.reminderAfterMs : undefined;
  let escalateAt =
    approval && policy.escalateAfterMs && policy.escalation.length > 0 ? startedAt + policy.escalateAfterMs : undefined;
  const settle = (outcome: DecisionOutcome): DecisionOutcome => {
    run.record.pending(undefined);
    if (approval) run.record.status("running");
    return outcome;
  };

  for (;;) {
    // Fresh timers every round: a timer already scheduled must never be yielded again in a new Task.any, or the
    // host schedules it a second time and the sequence numbers of everything after it shift.
    const deadlineTimer = df.createTimer(deadline);
    const timerAt = (at: number | undefined): TimerTask | undefined =>
      at !== undefined && at < deadline.getTime() ? df.createTimer(new Date(at)) : undefined;
    const reminder = timerAt(reminderAt);
    const escalation = timerAt(escalateAt);
    const timers = [deadlineTimer, reminder, escalation].filter((t): t is TimerTask => t !== undefined);
    const cancellable = approval && !run.cancelRequested;
    const contenders: Task[] = [run.decisionTask, ...timers, ...(cancellable ? [run.cancelTask] : [])];
    const winner = (yield df.Task.any(contenders)) as Task;
    for (const timer of timers) if (timer !== winner) timer.cancel();

    if (winner === deadlineTimer) {
      run.record.event(`${kind}: deadline ${deadline.toISOString()} passed`);
      return settle({ choice: approval ? "reject" : "none", timedOut: true });
    }
    if (cancellable && winner === run.cancelTask) return settle({ choice: "cancelled", timedOut: false });
    if (winner === reminder) {
      reminderAt = undefined;
      const waiting = stillToDecide(pending);
      run.record.event(`reminder sent to ${waiting.join(", ")}`);
      yield* ask(run, pending, waiting, request, true);
      continue;
    }
    if (winner === escalation) {
      escalateAt = undefined;
      const added = policy.escalation.map((a) => a.toLowerCase()).filter((a) => !pending.approvers.includes(a));
      pending = { ...pending, approvers: [...pending.approvers, ...added] };
      run.record.pending(pending);
      run.record.event(`escalated to ${added.join(", ")}`);
      yield* ask(run, pending, added, request, false);
      continue;
    }

    const raised = DecisionEventSchema.safeParse(run.decisionTask.result);
    run.renewDecisionWaiter();
    if (!raised.success) {
      run.record.event("a malformed decision was ignored");
      continue;
    }
    const { signature: _signature, ...event } = raised.data;
    const signed = yield* checkSignature(run, kind, raised.data);
    if (signed === "unsigned" || signed === "invalid") continue;
    const tally = tallyDecision(pending, event, {
      selfApproval: policy.selfApproval,
      ...(run.input.requestedBy.email ? { requester: run.input.requestedBy.email } : {}),
    });
    if (tally.kind === "refused") {
      run.record.event(`decision refused: ${tally.reason}`);
      continue;
    }
    pending = tally.pending;
    run.record.decision({ kind, ...event, ...(signed ? { signed } : {}) });
    run.record.event(`${event.approver} chose ${event.choice}${event.reason ? `: ${event.reason}` : ""}`);
    if (tally.kind === "decided") return settle({ choice: tally.choice, timedOut: false });
    run.record.pending(pending);
  }
}

/**
 * Has an activity check the event's signature (the orchestration holds no key); an event without the approval
 * route's signature is refused and recorded. Undefined for runs started before decisions were signed.
 */
function* checkSignature(run: UpgradeRun, kind: DecisionKind, event: DecisionEvent): Flow<DecisionSigned | undefined> {
  if (!startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.signedDecisions)) return undefined;
  const check = yield* call(run.activities.verifyDecision, { runId: run.id, kind, event });
  if (check.ok) return "verified";
  const { signature: _signature, ...claimed } = event;
  run.record.refusedDecision({ kind, ...claimed, signed: check.reason, refusal: check.message });
  run.record.event(
    `decision refused (${check.reason}): ${check.message}; claimed ${event.approver} chose ${event.choice}`,
  );
  return check.reason;
}

/** Sends each person their own link (made and mailed by the activity, never seen here); a failure is recorded. */
function* ask(
  run: UpgradeRun,
  pending: PendingDecision,
  recipients: string[],
  { question, commands }: Pick<DecisionRequest, "question" | "commands">,
  reminder: boolean,
): Flow<DecisionRequestResult> {
  const { fromRelease, mode } = run.record.current;
  let result: DecisionRequestResult;
  try {
    result = yield* call(run.activities.requestDecision, {
      cluster: run.cluster,
      runId: run.id,
      requestId: pending.requestId,
      kind: pending.kind,
      approvers: recipients,
      expiresAt: pending.deadline,
      reminder,
      summary: {
        environment: run.policy.environment,
        ...(fromRelease && mode ? { fromRelease, mode } : {}),
        targetRelease: run.input.targetRelease,
        question,
        requestedBy: run.requester,
        ...(commands?.length ? { commands: [...commands] } : {}),
        ...(run.restoreOf ? { restoreOf: run.restoreOf } : {}),
      },
    });
  } catch (error) {
    result = { sent: [], failed: [{ recipient: recipients.join(", "), reason: describeError(error) }] };
  }
  for (const failure of result.failed) run.record.event(`could not e-mail ${failure.recipient}: ${failure.reason}`);
  run.record.asked(result.sent);
  run.record.email({
    kind: "decision-request",
    recipients: result.sent,
    recipientCount: result.sent.length,
    ok: result.failed.length === 0,
    ...(result.failed.length > 0 ? { failures: result.failed } : {}),
  });
  return result;
}
