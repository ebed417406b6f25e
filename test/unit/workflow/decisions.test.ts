import { describe, expect, it } from "vitest";
import { newPendingDecision, stillToDecide, tallyDecision } from "../../../lib/workflow/decisions.js";
import { APPROVAL_WITH_OVERRIDE, type DecisionEvent } from "../../../lib/workflow/model.js";

const deadline = new Date("2026-01-05T10:00:00Z");
const pending = newPendingDecision({
  requestId: "r1",
  kind: "approval",
  approvers: ["a@x.example", "b@x.example", "c@x.example"],
  required: 2,
  deadline,
});
const event = (approver: string, choice: string, requestId = "r1"): DecisionEvent => ({
  requestId,
  approver,
  choice,
  decidedAt: "2026-01-05T09:10:00Z",
});
const policy = { requester: "a@x.example", selfApproval: false };

describe("tallyDecision", () => {
  it("needs the quorum: one approval is counted, the second decides", () => {
    const first = tallyDecision(pending, event("b@x.example", "approve"), policy);
    expect(first.kind).toBe("counted");
    const second = tallyDecision(first.pending, event("c@x.example", "approve"), policy);
    expect(second).toMatchObject({ kind: "decided", choice: "approve" });
  });

  it("ends at once on any rejection", () => {
    expect(tallyDecision(pending, event("b@x.example", "reject"), policy)).toMatchObject({
      kind: "decided",
      choice: "reject",
    });
  });

  it.each([
    ["a request it was not for", event("b@x.example", "approve", "r2"), "another request"],
    ["someone not asked", event("mallory@x.example", "approve"), "may not decide"],
    ["a choice that is not offered", event("b@x.example", "finalize"), "not one of"],
    ["the requester approving their own run", event("A@X.example", "approve"), "requested this run"],
  ])("refuses %s", (_name, e, reason) => {
    const result = tallyDecision(pending, e, policy);
    expect(result.kind).toBe("refused");
    expect(result.kind === "refused" && result.reason).toContain(reason);
  });

  it("lets the requester reject their own run, and allows self-approval when the policy does", () => {
    expect(tallyDecision(pending, event("a@x.example", "reject"), policy).kind).toBe("decided");
    expect(tallyDecision(pending, event("a@x.example", "approve"), { ...policy, selfApproval: true }).kind).toBe(
      "counted",
    );
  });

  it("counts one decision per approver", () => {
    const first = tallyDecision(pending, event("b@x.example", "approve"), policy);
    const again = tallyDecision(first.pending, event("B@x.example", "approve"), policy);
    expect(again).toMatchObject({ kind: "refused" });
    expect(stillToDecide(first.pending)).toEqual(["a@x.example", "c@x.example"]);
  });

  it("decides other questions on the first valid answer", () => {
    const halted = newPendingDecision({
      requestId: "r1",
      kind: "halted-data-upgrade",
      approvers: ["ops@x.example"],
      required: 3,
      deadline,
    });
    expect(halted.required).toBe(1);
    expect(tallyDecision(halted, event("ops@x.example", "retry"), policy)).toMatchObject({
      kind: "decided",
      choice: "retry",
    });
  });
});

describe("tallyDecision with a blocked-day override", () => {
  const blocked = newPendingDecision({
    requestId: "r1",
    kind: "approval",
    approvers: ["a@x.example", "b@x.example", "c@x.example"],
    required: 2,
    deadline,
    choices: APPROVAL_WITH_OVERRIDE,
  });
  const withReason = (e: DecisionEvent, reason: string): DecisionEvent => ({ ...e, reason });

  it.each<[string, DecisionEvent[], string]>([
    [
      "an override with a reason counts as an approval",
      [withReason(event("b@x.example", "override"), "P1 fix")],
      "counted",
    ],
    [
      "an override and an approval make the quorum",
      [withReason(event("b@x.example", "override"), "P1 fix"), event("c@x.example", "approve")],
      "decided",
    ],
    ["an override without a reason is refused", [event("b@x.example", "override")], "refused"],
    ["a blank reason is no reason", [withReason(event("b@x.example", "override"), "  ")], "refused"],
    ["the requester may not override their own run", [withReason(event("a@x.example", "override"), "mine")], "refused"],
  ])("%s", (_name, events, kind) => {
    let state = blocked;
    let result = tallyDecision(state, events[0]!, policy);
    for (const next of events.slice(1)) {
      state = result.pending;
      result = tallyDecision(state, next, policy);
    }
    expect(result.kind).toBe(kind);
    if (result.kind === "decided") expect(result.choice).toBe("approve");
  });

  it("is not offered on an approval whose start is not blocked", () => {
    expect(tallyDecision(pending, withReason(event("b@x.example", "override"), "why"), policy)).toMatchObject({
      kind: "refused",
    });
  });
});
