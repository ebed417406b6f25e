import { describe, expect, it } from "vitest";
import { signDecision, verifyDecisionSignature, type SignedFields } from "../../../lib/approvals/decision.js";

const KEY = "k".repeat(32);
const fields: SignedFields = {
  runId: "demo-20260105t090000z-3f9a1c",
  kind: "approval",
  event: { requestId: "r-1", approver: "a@contoso.example", choice: "approve", decidedAt: "2026-01-05T09:00:00.000Z" },
};

describe("signed decisions", () => {
  it("a signature made by the route verifies", () => {
    expect(verifyDecisionSignature(KEY, fields, signDecision(KEY, fields))).toEqual({ ok: true });
  });

  it("no signature is unsigned", () => {
    expect(verifyDecisionSignature(KEY, fields, undefined)).toMatchObject({ ok: false, reason: "unsigned" });
  });

  it.each([
    ["another choice", { ...fields, event: { ...fields.event, choice: "reject" } }],
    ["another approver", { ...fields, event: { ...fields.event, approver: "m@contoso.example" } }],
    ["another run", { ...fields, runId: "demo-20260105t090000z-ffffff" }],
    ["another kind", { ...fields, kind: "rollback" as const }],
    ["another time", { ...fields, event: { ...fields.event, decidedAt: "2026-01-05T09:00:01.000Z" } }],
    ["a reason added", { ...fields, event: { ...fields.event, reason: "x" } }],
  ])("the signature of one decision does not hold for %s", (_, other) => {
    expect(verifyDecisionSignature(KEY, other, signDecision(KEY, fields))).toMatchObject({
      ok: false,
      reason: "invalid",
    });
  });

  it("another key's signature, a respelled or cut one, are invalid", () => {
    const signature = signDecision(KEY, fields);
    const last = signature.at(-1) === "A" ? "B" : "A";
    for (const forged of [
      signDecision("o".repeat(32), fields),
      signature.slice(0, -1) + last,
      signature.slice(0, -2),
      `${signature}.x`,
      signature.replace("d1.", "d2."),
    ])
      expect(verifyDecisionSignature(KEY, fields, forged)).toMatchObject({ ok: false, reason: "invalid" });
  });
});
