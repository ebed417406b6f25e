/**
 * Instances on disk, one journal per instance (`instances/<id>.jsonl`): a snapshot line written by temp file + rename,
 * then appended lines for inbox messages and committed episodes, each fsynced before the caller is answered. A torn
 * last line (a crash mid-append) was never acknowledged and is dropped on load. Appends keep the write path O(new
 * events) instead of rewriting whole histories; continueAsNew and restarts write a fresh snapshot.
 */
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, truncate, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { InboxEvent } from "./history.js";
import { applyEpisode, type EpisodeRecord, type InstanceRecord } from "./instance.js";

type JournalLine = { k: "snap"; s: InstanceRecord } | { k: "msg"; e: InboxEvent } | { k: "ep"; ep: EpisodeRecord };

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

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class StoreStoppedError extends Error {
  constructor() {
    super("The runtime store was stopped; nothing more is written.");
    this.name = "StoreStoppedError";
  }
}

export class InstanceStore {
  private readonly inflight = new Set<Promise<unknown>>();
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
        else applyEpisode(record, entry.ep);
      });
    if (!record) throw new Error(`Runtime journal ${file} is empty.`);
    return record;
  }

  /** Replaces the instance's journal with a snapshot of `record`, atomically. */
  write(record: InstanceRecord): Promise<void> {
    return this.track(async () => {
      const file = this.fileOf(record.instanceId);
      const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      const handle = await open(temp, "w", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ k: "snap", s: record } satisfies JournalLine)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      await fsyncDirectory(this.instancesDir);
    });
  }

  appendMessage(instanceId: string, event: InboxEvent): Promise<void> {
    return this.append(instanceId, { k: "msg", e: event });
  }

  appendEpisode(instanceId: string, episode: EpisodeRecord): Promise<void> {
    return this.append(instanceId, { k: "ep", ep: episode });
  }

  remove(instanceId: string): Promise<void> {
    return this.track(async () => {
      await unlink(this.fileOf(instanceId)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    });
  }

  /** Refuses further writes, waits for those under way, and releases the lock (graceful close and kill alike). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inflight]);
    if (activeStores.delete(this.dir)) await rm(this.lockFile, { force: true });
  }

  private append(instanceId: string, line: JournalLine): Promise<void> {
    return this.track(async () => {
      // No O_CREAT: a journal only ever starts with a snapshot, so appending to a purged instance fails loudly.
      const handle = await open(this.fileOf(instanceId), constants.O_WRONLY | constants.O_APPEND);
      try {
        await handle.write(`${JSON.stringify(line)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
  }

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
