/**
 * How human decisions are counted: quorum for approvals, first valid answer for the workflow's other questions,
 * any rejection ends an approval at once. Events that break a rule are refused and reported, never counted.
 */
import {
  approves,
  DECISION_CHOICES,
  OVERRIDE_CHOICE,
  type DecisionEvent,
  type DecisionKind,
  type PendingDecision,
} from "./model.js";

export type TallyResult =
  | { kind: "refused"; pending: PendingDecision; reason: string }
  | { kind: "counted"; pending: PendingDecision }
  | { kind: "decided"; pending: PendingDecision; choice: string };

export interface DecisionPolicy {
  requester?: string;
  selfApproval: boolean;
}

const sameAddress = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

export function newPendingDecision(args: {
  requestId: string;
  kind: DecisionKind;
  approvers: string[];
  required: number;
  deadline: Date;
  /** Choices other than the kind's own (an approval that may override blocked days). */
  choices?: readonly string[];
}): PendingDecision {
  return {
    requestId: args.requestId,
    kind: args.kind,
    choices: args.choices ?? DECISION_CHOICES[args.kind],
    approvers: args.approvers,
    required: args.kind === "approval" ? Math.max(1, Math.min(args.required, args.approvers.length)) : 1,
    decided: [],
    deadline: args.deadline.toISOString(),
  };
}

export function tallyDecision(pending: PendingDecision, event: DecisionEvent, policy: DecisionPolicy): TallyResult {
  const refuse = (reason: string): TallyResult => ({ kind: "refused", pending, reason });
  if (event.requestId !== pending.requestId) return refuse(`decision for another request (${event.requestId})`);
  if (!pending.choices.includes(event.choice))
    return refuse(`'${event.choice}' is not one of ${pending.choices.join(", ")}`);
  if (!pending.approvers.some((a) => sameAddress(a, event.approver))) return refuse(`${event.approver} may not decide`);
  if (pending.decided.some((d) => sameAddress(d.approver, event.approver)))
    return refuse(`${event.approver} has already decided`);
  if (
    pending.kind === "approval" &&
    !policy.selfApproval &&
    policy.requester !== undefined &&
    sameAddress(policy.requester, event.approver) &&
    approves(event.choice)
  )
    return refuse(`${event.approver} requested this run and may not approve it`);
  if (event.choice === OVERRIDE_CHOICE && !event.reason?.trim())
    return refuse(`${event.approver} chose to override the blocked days without a reason`);

  const next: PendingDecision = {
    ...pending,
    decided: [...pending.decided, { approver: event.approver, choice: event.choice, decidedAt: event.decidedAt }],
  };
  if (pending.kind !== "approval") return { kind: "decided", pending: next, choice: event.choice };
  if (event.choice === "reject") return { kind: "decided", pending: next, choice: "reject" };
  const approvals = next.decided.filter((d) => approves(d.choice)).length;
  return approvals >= next.required
    ? { kind: "decided", pending: next, choice: "approve" }
    : { kind: "counted", pending: next };
}

/** Approvers who have not answered yet. */
export function stillToDecide(pending: PendingDecision): string[] {
  return pending.approvers.filter((a) => !pending.decided.some((d) => sameAddress(d.approver, a)));
}
