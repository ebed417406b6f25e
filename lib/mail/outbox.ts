/**
 * The local mail driver: one `.eml` file per message in a directory (`.local/outbox/` by default), named so that
 * sorting by name sorts by time, and written atomically (temp file, then rename) so readers never see half a mail.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildEml, parseEml, type ParsedEml } from "./mime.js";
import { checkMailMessage, type MailMessage, type MailSendResult, type MailTransport } from "./types.js";

export interface OutboxTransportOptions {
  dir: string;
  /** `address` or `Display Name <address>`. */
  from: string;
  now?: () => number;
}

let sequence = 0;

function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, "");
}

function domainOf(mailbox: string): string {
  return /@([^>\s]+)>?\s*$/.exec(mailbox)?.[1] ?? "localhost";
}

export class OutboxTransport implements MailTransport {
  private readonly now: () => number;

  constructor(private readonly options: OutboxTransportOptions) {
    this.now = options.now ?? Date.now;
  }

  async send(message: MailMessage): Promise<MailSendResult> {
    const checked = checkMailMessage(message);
    if (!checked.ok) return { ok: false, reason: checked.reason, permanent: true };
    const date = new Date(this.now());
    const stamp = compactTimestamp(date);
    const unique = randomBytes(6).toString("hex");
    const messageId = `${stamp}.${unique}@${domainOf(this.options.from)}`;
    const eml = buildEml({
      ...checked.message,
      from: this.options.from,
      messageId,
      date,
      boundary: `=_cluedin_upgrade_${unique}`,
    });
    sequence = (sequence + 1) % 1_000_000;
    const name = `${stamp}-${String(sequence).padStart(6, "0")}-${unique}.eml`;
    try {
      // Mails hold live approval links: readable by this user only.
      await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
      const temporary = path.join(this.options.dir, `.${name}.tmp`);
      await writeFile(temporary, eml, { flag: "wx", mode: 0o600 });
      await rename(temporary, path.join(this.options.dir, name));
    } catch (error) {
      // A failure the run records, not an exception that ends the run; a directory that cannot be written does not
      // heal within the seconds a retry waits.
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      return { ok: false, reason: `the outbox cannot be written (${code})`, permanent: true };
    }
    return { ok: true, messageId };
  }
}

export interface OutboxMessage extends ParsedEml {
  /** The file name inside the outbox directory. */
  file: string;
}

/** Every mail in `dir`, oldest first; an absent directory is an empty outbox. */
export async function readOutbox(dir: string): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const mails = names.filter((name) => name.endsWith(".eml") && !name.startsWith(".")).sort();
  return Promise.all(mails.map(async (file) => ({ file, ...parseEml(await readFile(path.join(dir, file), "utf8")) })));
}
