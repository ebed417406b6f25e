import { describe, expect, it } from "vitest";
import { createApprovalToken, verifyApprovalToken, type ApprovalClaims } from "../../../lib/approvals/token.js";

const key = "k".repeat(32);
const otherKey = "o".repeat(32);
const now = new Date("2026-01-05T09:00:00Z");
const claims: ApprovalClaims = {
  runId: "demo-20260105t090000z-abc123",
  requestId: "4c1d-req",
  approver: "approver@contoso.example",
  kind: "approval",
  expiresAt: new Date("2026-01-05T10:00:00Z"),
};

function tamper(token: string, field: "run" | "req" | "apr" | "kind" | "exp", value: unknown): string {
  const [version, body, signature] = token.split(".");
  const payload = JSON.parse(Buffer.from(body!, "base64url").toString()) as Record<string, unknown>;
  payload[field] = value;
  return `${version}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${signature}`;
}

describe("approval tokens", () => {
  it("round-trips the claims of a valid token", () => {
    const result = verifyApprovalToken(key, createApprovalToken(key, claims), now);
    expect(result).toEqual({ ok: true, claims });
  });

  it.each([
    ["run", "prod-20260105t090000z-abc123"],
    ["req", "other-request"],
    ["apr", "mallory@contoso.example"],
    ["kind", "rollback"],
    ["exp", 9_999_999_999],
  ] as const)("refuses a token whose %s was changed", (field, value) => {
    const result = verifyApprovalToken(key, tamper(createApprovalToken(key, claims), field, value), now);
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("refuses a token signed with another environment's key", () => {
    expect(verifyApprovalToken(key, createApprovalToken(otherKey, claims), now)).toMatchObject({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses an expired token, and accepts it one second before", () => {
    const token = createApprovalToken(key, claims);
    expect(verifyApprovalToken(key, token, claims.expiresAt)).toMatchObject({ ok: false, reason: "expired" });
    expect(verifyApprovalToken(key, token, new Date(claims.expiresAt.getTime() - 1000)).ok).toBe(true);
  });

  it.each(["", "v1", "v1.a.b.c", "v2.abc.def", "v1.!!!.abc", "v1.e30.AAAA", "x".repeat(5000)])(
    "refuses malformed input %#",
    (token) => {
      const result = verifyApprovalToken(key, token, now);
      expect(result.ok).toBe(false);
    },
  );
});
