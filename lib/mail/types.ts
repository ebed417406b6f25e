/** Sending e-mail: one interface, a driver per medium (the local outbox, Azure Communication Services). */
import { z } from "zod";

export interface MailMessage {
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export type MailSendResult =
  { ok: true; messageId: string } | { ok: false; reason: string; retryAfterMs?: number; permanent: boolean };

export interface MailTransport {
  send(message: MailMessage): Promise<MailSendResult>;
}

const address = z.string().regex(/^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/, "not an address");
const singleLine = /^[^\r\n]*$/;

/** Headers the transports set themselves; a message may not override them. */
const reservedHeaders = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "subject",
  "date",
  "message-id",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
]);

export const mailMessageSchema = z.object({
  to: z.array(address).min(1),
  cc: z.array(address).optional(),
  subject: z.string().min(1).max(998).regex(singleLine, "the subject must be one line"),
  text: z.string(),
  html: z.string(),
  headers: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, "not a header name")
        .refine((name) => !reservedHeaders.has(name.toLowerCase()), "a reserved header"),
      z.string().max(998).regex(singleLine, "header values must be one line"),
    )
    .optional(),
});

/** Validates a message; a refusal is a permanent failure (sending it again cannot help). */
export function checkMailMessage(
  message: MailMessage,
): { ok: true; message: MailMessage } | { ok: false; reason: string } {
  const parsed = mailMessageSchema.safeParse(message);
  if (parsed.success) {
    const { to, cc, subject, text, html, headers } = parsed.data;
    return {
      ok: true,
      message: {
        to,
        ...(cc !== undefined ? { cc } : {}),
        subject,
        text,
        html,
        ...(headers !== undefined ? { headers } : {}),
      },
    };
  }
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `invalid message: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim() };
}
