/**
 * Instances on disk, one journal per instance (`instances/<id>.jsonl`): a snapshot line written by temp file + rename,
 * then appended lines for client messages and committed episodes. Appends to one journal are group-committed
 * (journal.ts) and resolve once durable; callers answer only then. A torn last line (a crash mid-append) was never
 * acknowledged and is dropped on load. Appends keep the write path O(new events) instead of rewriting whole
 * histories; continueAsNew and restarts write a fresh snapshot.
 *
 * Messages the runtime produced itself (activity results, fired timers, sub-orchestration outcomes) are not written on
 * arrival: the episode that consumes them carries them in its own line, one write per episode. One lost in a crash
 * is produced again on recovery (the activity re-runs, the timer is re-armed, the child's outcome re-sent), the
 * at-least-once delivery DurableTask gives every message.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import type { InboxEvent } from "./history.js";
import { applyEpisode, type EpisodeRecord, type InstanceRecord } from "./instance.js";
import { JournalFile } from "./journal.js";

/** Messages an episode consumed that no `msg` line holds, each with its index among the episode's consumed ones. */
export type LateMessages = [index: number, event: InboxEvent][];

type JournalLine =
  { k: "snap"; s: InstanceRecord } | { k: "msg"; e: InboxEvent } | { k: "ep"; ep: EpisodeRecord; late?: LateMessages };

/** Journals kept open at once; beyond it the least recently written is closed (reopened on its next write). */
const MAX_OPEN_JOURNALS = 128;

const activeStores = new Set<string>();

function fileNameOf(instanceId: string): string {
  const encoded = encodeURIComponent(instanceId).replace(
    /[.!~*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encoded.length <= 180
    ? `${encoded}.jsonl`
    : `h-${createHash("sha256").update(instanceId).digest("hex")}.jsonl`;
}

async function processIsAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process stays visible as a zombie until reaped; on Linux its state tells.
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return !/^\d+ \(.*\) Z/.test(stat);
}

/** A process killed a moment ago may take a little while to go; a live owner keeps answering. */
async function stillAlive(pid: number): Promise<boolean> {
  for (let check = 0; check < 20; check += 1) {
    if (!(await processIsAlive(pid))) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

export class StoreStoppedError extends Error {
  constructor() {
    super("The runtime store was stopped; nothing more is written.");
    this.name = "StoreStoppedError";
  }
}

export class InstanceStore {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly journals = new Map<string, JournalFile>();
  /** Journals with an open handle, least recently opened first. */
  private readonly open = new Set<JournalFile>();
  private stopped = false;

  private constructor(
    readonly dir: string,
    private readonly instancesDir: string,
    private readonly lockFile: string,
  ) {}

  /** Opens (creating) the store and takes its lock: one runtime per store at a time. */
  static async open(dir: string): Promise<InstanceStore> {
    const root = path.resolve(dir);
    const instancesDir = path.join(root, "instances");
    // Journals hold run inputs and decisions: readable by this user only.
    await mkdir(instancesDir, { recursive: true, mode: 0o700 });
    const lockFile = path.join(root, "runtime.lock");
    const holder = Number.parseInt(await readFile(lockFile, "utf8").catch(() => ""), 10);
    if (holder === process.pid && activeStores.has(root)) throw new Error(`The runtime store ${root} is in use.`);
    if (holder !== process.pid && Number.isInteger(holder) && (await stillAlive(holder))) {
      throw new Error(`The runtime store ${root} is in use by process ${holder}.`);
    }
    await writeFile(lockFile, String(process.pid));
    activeStores.add(root);
    return new InstanceStore(root, instancesDir, lockFile);
  }

  async loadAll(): Promise<InstanceRecord[]> {
    const records: InstanceRecord[] = [];
    for (const name of await readdir(this.instancesDir)) {
      const file = path.join(this.instancesDir, name);
      if (name.endsWith(".tmp")) await rm(file, { force: true });
      else if (name.endsWith(".jsonl")) records.push(await this.loadJournal(file));
    }
    return records;
  }

  private async loadJournal(file: string): Promise<InstanceRecord> {
    const text = await readFile(file, "utf8");
    const end = text.lastIndexOf("\n") + 1;
    if (end < text.length) await truncate(file, Buffer.byteLength(text.slice(0, end)));
    let record: InstanceRecord | undefined;
    text
      .slice(0, end)
      .split("\n")
      .forEach((line, index) => {
        if (line === "") return;
        let entry: JournalLine;
        try {
          entry = JSON.parse(line) as JournalLine;
        } catch (error) {
          throw new Error(`Corrupt runtime journal ${file} at line ${index + 1}.`, { cause: error });
        }
        if (entry.k === "snap") record = entry.s;
        else if (!record) throw new Error(`Runtime journal ${file} does not start with a snapshot.`);
        else if (entry.k === "msg") record.inbox.push(entry.e);
        else {
          // The journaled messages it consumed lead the inbox in order; the late ones go back to their places.
          for (const [at, event] of entry.late ?? []) record.inbox.splice(at, 0, event);
          applyEpisode(record, entry.ep);
        }
      });
    if (!record) throw new Error(`Runtime journal ${file} is empty.`);
    return record;
  }

  /** Replaces the instance's journal with a snapshot of `record`, atomically. */
  write(record: InstanceRecord): Promise<void> {
    const line = `${JSON.stringify({ k: "snap", s: record } satisfies JournalLine)}\n`;
    return this.track(() => this.journal(record.instanceId).replace(line));
  }

  /** A client's message (raised event, termination): durable when this resolves. */
  appendMessage(instanceId: string, event: InboxEvent): Promise<void> {
    return this.append(instanceId, { k: "msg", e: event });
  }

  /** A committed episode with the consumed messages no earlier line holds. */
  appendEpisode(instanceId: string, episode: EpisodeRecord, late: LateMessages): Promise<void> {
    return this.append(instanceId, late.length > 0 ? { k: "ep", ep: episode, late } : { k: "ep", ep: episode });
  }

  remove(instanceId: string): Promise<void> {
    const journal = this.journal(instanceId);
    this.journals.delete(instanceId);
    this.open.delete(journal);
    return this.track(() => journal.remove());
  }

  /** Refuses further writes, waits for those under way, and releases the lock (graceful close and kill alike). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inflight]);
    await Promise.allSettled([...this.open].map((journal) => journal.release()));
    this.open.clear();
    if (activeStores.delete(this.dir)) await rm(this.lockFile, { force: true });
  }

  private append(instanceId: string, line: JournalLine): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    return this.track(() => this.journal(instanceId).append(text));
  }

  private journal(instanceId: string): JournalFile {
    let journal = this.journals.get(instanceId);
    if (!journal) {
      journal = new JournalFile(this.fileOf(instanceId), this.instancesDir, (opened) => this.opened(opened));
      this.journals.set(instanceId, journal);
    }
    return journal;
  }

  private opened(journal: JournalFile): void {
    this.open.add(journal);
    for (const oldest of this.open) {
      if (this.open.size <= MAX_OPEN_JOURNALS) break;
      this.open.delete(oldest);
      void oldest.release().catch(() => {});
    }
  }

  /** Starts `write` unless stopped, and counts it among the writes `stop` waits for. */
  private track(write: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.reject(new StoreStoppedError());
    const done = write();
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done)).catch(() => {});
    return done;
  }

  private fileOf(instanceId: string): string {
    return path.join(this.instancesDir, fileNameOf(instanceId));
  }
}
