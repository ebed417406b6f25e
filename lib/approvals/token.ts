/**
 * Signed approval links. A token names one run, one decision request, one approver and an expiry, and is signed
 * with HMAC-SHA256 under the deployment's key; verification compares in constant time. Tokens are made and sent
 * by an activity and never stored in orchestration history: whoever reads the history cannot approve.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { DecisionKindSchema, type DecisionKind } from "../workflow/model.js";

const VERSION = "v1";

const ClaimsSchema = z.strictObject({
  run: z.string().min(1).max(200),
  req: z.string().min(1).max(100),
  apr: z.string().min(3).max(320),
  kind: DecisionKindSchema,
  exp: z.number().int().positive(),
});

export interface ApprovalClaims {
  runId: string;
  requestId: string;
  approver: string;
  kind: DecisionKind;
  expiresAt: Date;
}

export type TokenCheck =
  | { ok: true; claims: ApprovalClaims }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired"; message: string };

/** Keys shorter than this are refused: the key is the only thing between a forged link and an approval. */
export const MIN_KEY_BYTES = 32;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

function sign(key: string, body: string): Buffer {
  return createHmac("sha256", key).update(`${VERSION}.${body}`).digest();
}

export function assertSigningKey(key: string | undefined): string {
  if (!key || Buffer.byteLength(key) < MIN_KEY_BYTES)
    throw new Error(`the approval signing key must be at least ${MIN_KEY_BYTES} bytes (APPROVAL_SIGNING_KEY)`);
  return key;
}

export function createApprovalToken(key: string, claims: ApprovalClaims): string {
  const body = b64url(
    JSON.stringify({
      run: claims.runId,
      req: claims.requestId,
      apr: claims.approver,
      kind: claims.kind,
      exp: Math.floor(claims.expiresAt.getTime() / 1000),
    }),
  );
  return `${VERSION}.${body}.${b64url(sign(key, body))}`;
}

export function verifyApprovalToken(key: string, token: string, now: Date): TokenCheck {
  const malformed = (message: string): TokenCheck => ({ ok: false, reason: "malformed", message });
  if (token.length > 2048) return malformed("the link is too long to be one of ours");
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return malformed("the link is not a valid approval link");
  const [, body = "", signature = ""] = parts;
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(signature))
    return malformed("the link is not a valid approval link");
  const expected = sign(key, body);
  const given = Buffer.from(signature, "base64url");
  // Only the canonical spelling: base64's unused trailing bits would otherwise let one signature have four spellings.
  const canonical = given.toString("base64url") === signature;
  if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected))
    return {
      ok: false,
      reason: "bad-signature",
      message: "the link's signature does not match: it was altered or not issued here",
    };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return malformed("the link is not a valid approval link");
  }
  const parsed = ClaimsSchema.safeParse(json);
  if (!parsed.success) return malformed("the link is not a valid approval link");
  const claims: ApprovalClaims = {
    runId: parsed.data.run,
    requestId: parsed.data.req,
    approver: parsed.data.apr,
    kind: parsed.data.kind,
    expiresAt: new Date(parsed.data.exp * 1000),
  };
  if (claims.expiresAt.getTime() <= now.getTime())
    return { ok: false, reason: "expired", message: `the link expired at ${claims.expiresAt.toISOString()}` };
  return { ok: true, claims };
}
