/** Sending with the retries mail services expect: honour Retry-After on 429, give up after a few tries. */
import { setTimeout as sleep } from "node:timers/promises";
import type { MailMessage, MailTransport } from "../lib/mail/index.js";

const ATTEMPTS = 3;
/** An activity may not wait long: beyond this the failure is recorded and the run goes on. */
const MAX_WAIT_MS = 60_000;

export async function sendWithRetry(
  transport: MailTransport,
  message: MailMessage,
): Promise<{ ok: true; messageId: string } | { ok: false; reason: string }> {
  let reason = "not sent";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const result = await transport.send(message);
    if (result.ok) return { ok: true, messageId: result.messageId };
    reason = result.reason;
    if (result.permanent || attempt === ATTEMPTS) break;
    await sleep(Math.min(MAX_WAIT_MS, result.retryAfterMs ?? 1_000 * 2 ** attempt));
  }
  return { ok: false, reason };
}
