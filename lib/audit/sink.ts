/**
 * Where audit records are kept once a run ends: a directory locally, an Azure Blob Storage container in Azure.
 * Records are written once and never overwritten (`ifNoneMatch: "*"` on the blob, an exclusive link on disk), one
 * per run, named `<cluster>/<runId>.json`. A container with an immutability policy makes that a guarantee.
 * The same write-once primitive keeps claims (`.claims/<sha256 of the key>.json`): the first writer of a key wins,
 * and everyone after reads what it wrote (the approval route records each person's decision this way).
 */
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TokenCredential } from "@azure/identity";
import type { ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import { lazily } from "../lazily.js";
import { AuditRecordSchema, type AuditRecord } from "./record.js";
import { parseRunId } from "../workflow/runId.js";

export interface AuditWrite {
  /** false: a record for this run was already kept, and it stays as it was. */
  created: boolean;
  location: string;
}

/** A write-once claim: `created` when this call wrote it, and the body kept under the key either way. */
export interface Claim {
  created: boolean;
  body: string;
}

export interface AuditSink {
  write(record: AuditRecord): Promise<AuditWrite>;
  read(runId: string): Promise<AuditRecord | undefined>;
  /** Keeps `body` under `key` unless something is kept there already; answers what is kept. */
  claim(key: string, body: string): Promise<Claim>;
  readClaim(key: string): Promise<string | undefined>;
  /** The cluster's newest records, newest first, at most `limit` (run ids sort by their start time). */
  recent?(cluster: string, limit: number): Promise<AuditRecord[]>;
}

/** Newest first: a run id is `<cluster>-<yyyymmddThhmmssZ>-<hex>`, so names sort by start time. */
const newestNames = (names: string[], limit: number): string[] =>
  names
    .filter((n) => n.endsWith(".json"))
    .sort()
    .reverse()
    .slice(0, Math.max(0, limit));

/** Claims are named by a hash of their key: any key makes a safe name, apart from the records' `<cluster>/` names. */
export const claimName = (key: string): string => `.claims/${createHash("sha256").update(key).digest("hex")}.json`;

const SAFE_NAME = /^[a-z0-9][-a-z0-9.]*$/;

/** `demo-20260105t090000z-3f9a1c` and its hops (`...-hop2`) belong to cluster `demo`. */
export const clusterOfRunId = (runId: string): string | undefined => parseRunId(runId)?.cluster;

/** The record's name in the sink; undefined for ids that could not have been made by this app. */
export function auditBlobName(runId: string, cluster = clusterOfRunId(runId)): string | undefined {
  if (!cluster || !SAFE_NAME.test(cluster) || !SAFE_NAME.test(runId) || runId.includes("..")) return undefined;
  return `${cluster}/${runId}.json`;
}

function parseRecord(text: string, where: string): AuditRecord {
  const parsed = AuditRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`the audit record at ${where} does not match its schema: ${parsed.error.message}`);
  return parsed.data;
}

export class FileAuditSink implements AuditSink {
  constructor(private readonly options: { dir: string }) {}

  async write(record: AuditRecord): Promise<AuditWrite> {
    const name = auditBlobName(record.runId, record.cluster);
    if (!name) throw new Error(`cannot name an audit record for run '${record.runId}'`);
    const file = path.join(this.options.dir, name);
    return { created: await this.writeOnce(file, `${JSON.stringify(record, null, 2)}\n`), location: file };
  }

  async read(runId: string): Promise<AuditRecord | undefined> {
    const name = auditBlobName(runId);
    if (!name) return undefined;
    const file = path.join(this.options.dir, name);
    const text = await this.readText(file);
    return text === undefined ? undefined : parseRecord(text, file);
  }

  async claim(key: string, body: string): Promise<Claim> {
    const file = path.join(this.options.dir, claimName(key));
    if (await this.writeOnce(file, body)) return { created: true, body };
    const kept = await this.readText(file);
    if (kept === undefined) throw new Error(`the claim at ${file} vanished`);
    return { created: false, body: kept };
  }

  readClaim(key: string): Promise<string | undefined> {
    return this.readText(path.join(this.options.dir, claimName(key)));
  }

  async recent(cluster: string, limit: number): Promise<AuditRecord[]> {
    if (!SAFE_NAME.test(cluster)) return [];
    const dir = path.join(this.options.dir, cluster);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const records: AuditRecord[] = [];
    for (const name of newestNames(names, limit)) {
      const file = path.join(dir, name);
      const text = await this.readText(file);
      if (text !== undefined) records.push(parseRecord(text, file));
    }
    return records;
  }

  /** false when the file exists: link() fails then, so readers never see half a file and nothing is overwritten. */
  private async writeOnce(file: string, text: string): Promise<boolean> {
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, text, { flag: "wx", mode: 0o640 });
    try {
      await link(temporary, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private async readText(file: string): Promise<string | undefined> {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }
}

/** The Blob Storage SDK, loaded on first use (lib/lazily.ts). */
const blobSdk = lazily(() => import("@azure/storage-blob"));

/** A failure of the Blob service with this HTTP status (the SDK's RestError). */
async function isRestError(error: unknown, ...statuses: number[]): Promise<boolean> {
  const { RestError } = await blobSdk();
  return error instanceof RestError && statuses.includes(error.statusCode ?? 0);
}

export class BlobAuditSink implements AuditSink {
  private readonly container: () => Promise<ContainerClient>;

  /** `containerUrl` is the container's URL (no SAS: access is by identity); no credential only for a local emulator. */
  constructor(options: { containerUrl: string; credential?: TokenCredential; pipeline?: StoragePipelineOptions }) {
    this.container = lazily(async () => {
      const { AnonymousCredential, ContainerClient } = await blobSdk();
      return new ContainerClient(
        options.containerUrl,
        options.credential ?? new AnonymousCredential(),
        options.pipeline,
      );
    });
  }

  async write(record: AuditRecord): Promise<AuditWrite> {
    const name = auditBlobName(record.runId, record.cluster);
    if (!name) throw new Error(`cannot name an audit record for run '${record.runId}'`);
    const blob = (await this.container()).getBlockBlobClient(name);
    return { created: await this.writeOnce(name, `${JSON.stringify(record, null, 2)}\n`), location: blob.url };
  }

  async read(runId: string): Promise<AuditRecord | undefined> {
    const name = auditBlobName(runId);
    if (!name) return undefined;
    const text = await this.readText(name);
    return text === undefined ? undefined : parseRecord(text, (await this.container()).getBlockBlobClient(name).url);
  }

  async claim(key: string, body: string): Promise<Claim> {
    const name = claimName(key);
    if (await this.writeOnce(name, body)) return { created: true, body };
    const kept = await this.readText(name);
    if (kept === undefined) throw new Error(`the claim ${name} vanished`);
    return { created: false, body: kept };
  }

  readClaim(key: string): Promise<string | undefined> {
    return this.readText(claimName(key));
  }

  async recent(cluster: string, limit: number): Promise<AuditRecord[]> {
    if (!SAFE_NAME.test(cluster)) return [];
    const container = await this.container();
    const names: string[] = [];
    // The service lists blob names in lexicographic order; a cluster keeps a few hundred records at most.
    for await (const blob of container.listBlobsFlat({ prefix: `${cluster}/` })) names.push(blob.name);
    const records: AuditRecord[] = [];
    for (const name of newestNames(names, limit)) {
      const text = await this.readText(name);
      if (text !== undefined) records.push(parseRecord(text, container.getBlockBlobClient(name).url));
    }
    return records;
  }

  /** false when the blob exists (`ifNoneMatch: "*"`): nothing is overwritten. */
  private async writeOnce(name: string, body: string): Promise<boolean> {
    try {
      await (await this.container()).getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: "*" },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return true;
    } catch (error) {
      if (await isRestError(error, 409, 412)) return false;
      throw error;
    }
  }

  private async readText(name: string): Promise<string | undefined> {
    try {
      const response = await (await this.container()).getBlockBlobClient(name).download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString("utf8");
    } catch (error) {
      if (await isRestError(error, 404)) return undefined;
      throw error;
    }
  }
}
