/**
 * Where audit records are kept once a run ends: a directory locally, an Azure Blob Storage container in Azure.
 * Records are written once and never overwritten (`ifNoneMatch: "*"` on the blob, an exclusive link on disk), one
 * per run, named `<cluster>/<runId>.json`. A container with an immutability policy makes that a guarantee.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TokenCredential } from "@azure/identity";
import { AnonymousCredential, ContainerClient, RestError, type StoragePipelineOptions } from "@azure/storage-blob";
import { AuditRecordSchema, type AuditRecord } from "./record.js";
import { parseRunId } from "../workflow/runId.js";

export interface AuditWrite {
  /** false: a record for this run was already kept, and it stays as it was. */
  created: boolean;
  location: string;
}

export interface AuditSink {
  write(record: AuditRecord): Promise<AuditWrite>;
  read(runId: string): Promise<AuditRecord | undefined>;
}

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
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, { flag: "wx", mode: 0o640 });
    try {
      // link() fails when the name exists: readers never see half a record and nothing is overwritten.
      await link(temporary, file);
      return { created: true, location: file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return { created: false, location: file };
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async read(runId: string): Promise<AuditRecord | undefined> {
    const name = auditBlobName(runId);
    if (!name) return undefined;
    const file = path.join(this.options.dir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    return parseRecord(text, file);
  }
}

export class BlobAuditSink implements AuditSink {
  private readonly container: ContainerClient;

  /** `containerUrl` is the container's URL (no SAS: access is by identity); no credential only for a local emulator. */
  constructor(options: { containerUrl: string; credential?: TokenCredential; pipeline?: StoragePipelineOptions }) {
    this.container = new ContainerClient(
      options.containerUrl,
      options.credential ?? new AnonymousCredential(),
      options.pipeline,
    );
  }

  async write(record: AuditRecord): Promise<AuditWrite> {
    const name = auditBlobName(record.runId, record.cluster);
    if (!name) throw new Error(`cannot name an audit record for run '${record.runId}'`);
    const blob = this.container.getBlockBlobClient(name);
    const body = `${JSON.stringify(record, null, 2)}\n`;
    try {
      await blob.upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: "*" },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return { created: true, location: blob.url };
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412))
        return { created: false, location: blob.url };
      throw error;
    }
  }

  async read(runId: string): Promise<AuditRecord | undefined> {
    const name = auditBlobName(runId);
    if (!name) return undefined;
    const blob = this.container.getBlockBlobClient(name);
    try {
      const response = await blob.download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Uint8Array));
      return parseRecord(Buffer.concat(chunks).toString("utf8"), blob.url);
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}
