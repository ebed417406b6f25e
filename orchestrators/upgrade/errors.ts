import { redactText } from "../../lib/redaction/index.js";

/** A failed task's message, redacted and short: it goes into custom status, e-mails and the audit record. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactText(message.replace(/^Activity function '?\w+'? failed: /, "")).slice(0, 400);
}
