/**
 * Azure Communication Services Email (`@azure/communication-email`, managed identity): the production driver.
 * ACS throttles hard (about 5 mails/min on Azure-managed domains, REFERENCE §6); a 429 comes back as data with the
 * wait ACS asked for, so the workflow can sleep on a durable timer instead of retrying here.
 */
import { randomUUID } from "node:crypto";
import type { EmailClient, EmailMessage } from "@azure/communication-email";
import type { TokenCredential } from "@azure/identity";
import { lazily } from "../lazily.js";
import { scrubSecrets, statusOf } from "../clients/errors.js";
import { azureClientOptions } from "../clients/tls.js";
import { checkMailMessage, type MailMessage, type MailSendResult, type MailTransport } from "./types.js";

interface HeaderBag {
  get(name: string): string | undefined;
}

/** The wait a throttled answer asks for: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` (seconds or date). */
export function retryAfterMs(headers: HeaderBag | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const ms = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Maps a failed send: throttling and server trouble are worth retrying; other refusals are permanent. */
export function acsFailure(error: unknown, nowMs: number): Extract<MailSendResult, { ok: false }> {
  const status = statusOf(error);
  const message = scrubSecrets(error instanceof Error ? error.message : String(error));
  const headers = (error as { response?: { headers?: HeaderBag } } | undefined)?.response?.headers;
  const wait = retryAfterMs(headers, nowMs);
  const transient = status === undefined || status === 408 || status === 429 || status >= 500;
  const reason = status === undefined ? `ACS send failed: ${message}` : `ACS send failed: HTTP ${status}: ${message}`;
  return { ok: false, reason, permanent: !transient, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
}

interface AcsOperation {
  status: string;
  error?: { message?: string };
}

function acsOperation(body: unknown): AcsOperation | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { status, error } = body as { status?: unknown; error?: { message?: unknown } };
  if (typeof status !== "string") return undefined;
  return { status, ...(typeof error?.message === "string" ? { error: { message: error.message } } : {}) };
}

/** A send ACS accepted: Succeeded, still in flight (counts as sent), or Failed/Canceled by the service. */
export function acsOutcome(operation: AcsOperation, messageId: string): MailSendResult {
  if (operation.status !== "Failed" && operation.status !== "Canceled") return { ok: true, messageId };
  const detail = operation.error?.message ? `: ${scrubSecrets(operation.error.message)}` : "";
  // ACS fails a mail it accepted for reasons sending again cannot fix (suppressed or invalid recipients).
  return { ok: false, reason: `ACS send ended ${operation.status}${detail}`, permanent: operation.status === "Failed" };
}

export interface AcsTransportOptions {
  /** The Communication Services resource, e.g. `https://contoso.europe.communication.azure.com`. */
  endpoint: string;
  credential: TokenCredential;
  /** A sender of a verified domain, e.g. `DoNotReply@contoso.com`. */
  senderAddress: string;
  /** PEM of one more CA to trust. */
  extraCaPem?: string;
  /** How long `send` waits for ACS to report the outcome; a mail still in flight then counts as accepted. */
  completionBudgetMs?: number;
  pollIntervalMs?: number;
  now?: () => number;
}

export class AcsTransport implements MailTransport {
  /** The ACS SDK is loaded on the first mail (lib/lazily.ts). */
  private readonly client: () => Promise<EmailClient>;
  private readonly now: () => number;

  constructor(private readonly options: AcsTransportOptions) {
    this.client = lazily(async () => {
      const { EmailClient } = await import("@azure/communication-email");
      return new EmailClient(options.endpoint, options.credential, azureClientOptions(options.extraCaPem));
    });
    this.now = options.now ?? Date.now;
  }

  async send(message: MailMessage): Promise<MailSendResult> {
    const checked = checkMailMessage(message);
    if (!checked.ok) return { ok: false, reason: checked.reason, permanent: true };
    const { to, cc, subject, text, html, headers } = checked.message;
    const email: EmailMessage = {
      senderAddress: this.options.senderAddress,
      recipients: {
        to: to.map((address) => ({ address })),
        ...(cc && cc.length > 0 ? { cc: cc.map((address) => ({ address })) } : {}),
      },
      content: { subject, plainText: text, html },
      ...(headers ? { headers } : {}),
    };
    const operationId = randomUUID();
    // Every answer (the send and each status poll) passes here: the last status tells what ACS made of the mail.
    let last: AcsOperation | undefined;
    const onResponse = (raw: { status: number; parsedBody?: unknown }): void => {
      last = raw.status < 300 ? (acsOperation(raw.parsedBody) ?? last) : last;
    };
    try {
      const poller = await (
        await this.client()
      ).beginSend(email, {
        operationId,
        updateIntervalInMs: this.options.pollIntervalMs ?? 1000,
        onResponse,
      });
      const result = await poller.pollUntilDone({
        abortSignal: AbortSignal.timeout(this.options.completionBudgetMs ?? 30_000),
      });
      return acsOutcome(
        { status: result.status, ...(result.error !== undefined ? { error: result.error } : {}) },
        result.id || operationId,
      );
    } catch (error) {
      // Accepted but not finished within the budget (or a status poll failed): sending again would duplicate it.
      return last ? acsOutcome(last, operationId) : acsFailure(error, this.now());
    }
  }
}
