/**
 * One instance's journal file with group commit: lines appended while a write + fdatasync is under way wait for the
 * next one and share it, so N concurrent appends cost one write and one sync instead of N (the group commit of
 * write-ahead logs, e.g. PostgreSQL's commit_delay/XLogFlush). An append resolves only once its line is on disk.
 * Every file operation runs in the order it was asked for; the handle stays open between batches.
 */
import { constants } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { randomBytes } from "node:crypto";

interface Batch {
  lines: string[];
  done: Promise<void>;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class JournalFile {
  private handle: FileHandle | undefined;
  /** The batch new lines join; it starts once the operations queued before it are over. */
  private forming: Batch | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** A failed write may have left part of a line; nothing more is appended after it until a snapshot replaces it. */
  private broken: unknown;

  constructor(
    readonly file: string,
    private readonly dir: string,
    /** Told whenever the file is opened, so the owner can bound the number of open handles. */
    private readonly opened: (journal: JournalFile) => void,
  ) {}

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  /** Resolves once `line` (newline-terminated) and every line appended before it are durable. */
  append(line: string): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.brokenError());
    if (this.forming) {
      this.forming.lines.push(line);
      return this.forming.done;
    }
    const batch: Batch = { lines: [line], done: Promise.resolve() };
    batch.done = this.enqueue(() => this.flush(batch));
    this.forming = batch;
    return batch.done;
  }

  /** Replaces the whole journal with `text`, atomically (temp file, fsync, rename, fsync of the directory). */
  replace(text: string): Promise<void> {
    this.forming = undefined;
    return this.enqueue(async () => {
      await this.closeHandle();
      const temp = `${this.file}.${randomBytes(6).toString("hex")}.tmp`;
      const handle = await open(temp, "w", 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
      await syncDirectory(this.dir);
      this.broken = undefined;
    });
  }

  remove(): Promise<void> {
    this.forming = undefined;
    return this.enqueue(async () => {
      await this.closeHandle();
      await unlink(this.file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    });
  }

  /** Closes the handle after the operations already queued; a later append reopens the file. */
  release(): Promise<void> {
    this.forming = undefined;
    return this.enqueue(() => this.closeHandle());
  }

  private async flush(batch: Batch): Promise<void> {
    if (this.forming === batch) this.forming = undefined;
    if (this.broken !== undefined) throw this.brokenError();
    // No O_CREAT: a journal only ever starts with a snapshot, so appending to a purged instance fails loudly.
    if (!this.handle) {
      this.handle = await open(this.file, constants.O_WRONLY | constants.O_APPEND);
      this.opened(this);
    }
    try {
      await this.handle.write(batch.lines.join(""));
      await this.handle.datasync();
    } catch (error) {
      this.broken = error;
      await this.closeHandle().catch(() => {});
      throw error;
    }
  }

  private brokenError(): Error {
    return new Error(`An earlier write to the journal ${this.file} failed.`, { cause: this.broken });
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.tail.then(operation);
    this.tail = run.catch(() => {});
    return run;
  }
}
