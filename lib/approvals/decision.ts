/**
 * Signed decisions. The approval route signs what a person decided (run, request, kind, approver, choice, time and
 * the words and identity recorded with it) with the deployment's signing key; the orchestration has it checked by
 * an activity before counting it. An event raised by anyone else (the system key, storage data roles, monitoring
 * tools) carries no valid signature and is refused. HMAC-SHA256, compared in constant time, as the links are.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { DecisionEvent, DecisionKind } from "../workflow/model.js";

const VERSION = "d1";

/** What is signed: the decision event without its signature, and the run and kind of request it answers. */
export interface SignedFields {
  runId: string;
  kind: DecisionKind;
  event: Omit<DecisionEvent, "signature">;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: "unsigned" | "invalid"; message: string };

function mac(key: string, { runId, kind, event }: SignedFields): Buffer {
  const fields = [
    VERSION,
    runId,
    event.requestId,
    kind,
    event.approver,
    event.choice,
    event.decidedAt,
    event.reason ?? "",
    event.principal ?? "",
    event.clientAddress ?? "",
  ];
  return createHmac("sha256", key).update(JSON.stringify(fields)).digest();
}

export function signDecision(key: string, fields: SignedFields): string {
  return `${VERSION}.${mac(key, fields).toString("base64url")}`;
}

export function verifyDecisionSignature(
  key: string,
  fields: SignedFields,
  signature: string | undefined,
): SignatureCheck {
  if (!signature) return { ok: false, reason: "unsigned", message: "the decision carries no signature" };
  const [version, encoded = "", ...rest] = signature.split(".");
  const given = Buffer.from(encoded, "base64url");
  const expected = mac(key, fields);
  const canonical = rest.length === 0 && version === VERSION && given.toString("base64url") === encoded;
  if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected))
    return {
      ok: false,
      reason: "invalid",
      message: "the decision's signature does not match: not made by the approval route",
    };
  return { ok: true };
}
