import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  auditBlobName,
  BlobAuditSink,
  clusterOfRunId,
  FileAuditSink,
  type AuditRecord,
} from "../../../lib/audit/index.js";

const RUN = "demo-20260105t090000z-abc123";
const record = (reason = "done"): AuditRecord => ({
  schema: "cluedin-upgrade/audit@1",
  runId: RUN,
  cluster: "demo",
  environment: "dev",
  requestedBy: { name: "Ops" },
  toRelease: "2025.05.00",
  approvals: { approvers: [], required: 1, selfApproval: false, asked: [], decisions: [] },
  stages: [],
  helm: { revisions: [], commands: [] },
  downtime: { durationMs: 0, confirmed: true, method: "m" },
  emails: [],
  events: [],
  outcome: { status: "completed", reason, finished: true },
  builtAt: "2026-01-05T09:31:00.000Z",
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("record names", () => {
  it.each([
    [RUN, "demo"],
    [`${RUN}-hop2`, "demo"],
    ["my-prod-cluster-20260105t090000z-0f", "my-prod-cluster"],
    ["not-a-run", undefined],
  ])("%s belongs to %s", (id, cluster) => expect(clusterOfRunId(id)).toBe(cluster));

  it("refuses names that could leave the sink's folder", () => {
    expect(auditBlobName(RUN)).toBe(`demo/${RUN}.json`);
    expect(auditBlobName("../x-20260105t090000z-ab")).toBeUndefined();
    expect(auditBlobName(RUN, "../etc")).toBeUndefined();
  });
});

describe("FileAuditSink", () => {
  it("writes once, never overwrites, and reads back", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "audit-sink-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sink = new FileAuditSink({ dir });
    expect(await sink.write(record("first"))).toEqual({
      created: true,
      location: path.join(dir, "demo", `${RUN}.json`),
    });
    expect((await sink.write(record("second"))).created).toBe(false);
    expect((await sink.read(RUN))?.outcome.reason).toBe("first");
    expect(await sink.read("demo-20990101t000000z-ffffff")).toBeUndefined();
    expect(await readdir(path.join(dir, "demo"))).toEqual([`${RUN}.json`]);
  });
});

/** Just enough of the Blob service: Put Blob honouring If-None-Match, Get Blob. */
async function fakeBlobService(): Promise<{
  url: string;
  requests: { method: string; path: string; ifNoneMatch?: string }[];
}> {
  const blobs = new Map<string, Buffer>();
  const requests: { method: string; path: string; ifNoneMatch?: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const ifNoneMatch = req.headers["if-none-match"];
      requests.push({ method: req.method ?? "", path: key, ...(ifNoneMatch ? { ifNoneMatch } : {}) });
      const fail = (status: number, code: string) => {
        res.writeHead(status, { "x-ms-error-code": code, "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
      };
      if (req.method === "PUT") {
        if (ifNoneMatch === "*" && blobs.has(key)) return fail(409, "BlobAlreadyExists");
        blobs.set(key, Buffer.concat(chunks));
        res.writeHead(201, { etag: '"0x1"', "last-modified": new Date().toUTCString() });
        return res.end();
      }
      const body = blobs.get(key);
      if (req.method === "GET" && body) {
        res.writeHead(200, {
          "content-length": body.length,
          "content-type": "application/json",
          etag: '"0x1"',
          "x-ms-blob-type": "BlockBlob",
        });
        return res.end(body);
      }
      fail(404, "BlobNotFound");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/devstoreaccount1/audit`, requests };
}

describe("BlobAuditSink", () => {
  it("puts <cluster>/<runId>.json with If-None-Match: *, keeps the first record, reads it back", async () => {
    const service = await fakeBlobService();
    const sink = new BlobAuditSink({ containerUrl: service.url, pipeline: { retryOptions: { maxTries: 1 } } });
    const first = await sink.write(record("first"));
    expect(first).toEqual({ created: true, location: `${service.url}/demo/${RUN}.json` });
    expect((await sink.write(record("second"))).created).toBe(false);
    expect(service.requests.filter((r) => r.method === "PUT")).toEqual([
      { method: "PUT", path: `/devstoreaccount1/audit/demo/${RUN}.json`, ifNoneMatch: "*" },
      { method: "PUT", path: `/devstoreaccount1/audit/demo/${RUN}.json`, ifNoneMatch: "*" },
    ]);
    expect((await sink.read(RUN))?.outcome.reason).toBe("first");
    expect(await sink.read("demo-20990101t000000z-ffffff")).toBeUndefined();
  });
});

describe("write-once claims", () => {
  it("of many concurrent claims of one key on disk, one is created and every caller reads the first body", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "audit-claims-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sink = new FileAuditSink({ dir });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sink.claim("run/req/a", `body-${i}`)));
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    for (const result of results) expect(result.body).toBe(created[0]?.body);
    expect(await sink.readClaim("run/req/a")).toBe(created[0]?.body);
    expect(await sink.readClaim("run/req/b")).toBeUndefined();
  });

  it("in blob storage, with If-None-Match: * under .claims/", async () => {
    const service = await fakeBlobService();
    const sink = new BlobAuditSink({ containerUrl: service.url, pipeline: { retryOptions: { maxTries: 1 } } });
    expect(await sink.claim("k", "first")).toEqual({ created: true, body: "first" });
    expect(await sink.claim("k", "second")).toEqual({ created: false, body: "first" });
    expect(await sink.readClaim("k")).toBe("first");
    const puts = service.requests.filter((r) => r.method === "PUT");
    expect(puts.every((r) => r.ifNoneMatch === "*" && r.path.includes("/.claims/"))).toBe(true);
  });
});
