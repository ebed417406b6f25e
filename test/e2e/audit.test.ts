import { RELEASE_TAG_PATTERN } from "../../lib/catalog/index.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ErrorBodySchema,
  PlanResponseSchema,
  UpgradeListSchema,
  UpgradeResourceSchema,
  UpgradeSummarySchema,
} from "../../functions/openapi.js";
import { AuditRecordSchema, type AuditRecord } from "../../lib/audit/index.js";
import { APPROVER, approve, REQUESTER, startDemo, type Demo } from "./harness.js";

let demo: Demo;
let id: string;

beforeAll(async () => {
  demo = await startDemo();
  id = await demo.start("2025.05.00");
  await approve(demo, id);
  await demo.finished(id);
}, 120_000);
afterAll(async () => {
  await demo?.close();
});

describe("audit record of a finished data upgrade", () => {
  it("names the requester, the approver with time and reason, and the downtime from the stage timeline", async () => {
    const reply = await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`);
    expect(reply.status).toBe(200);
    const record = AuditRecordSchema.parse(reply.body);
    expect(record).toMatchObject({
      runId: id,
      cluster: "demo",
      environment: "dev",
      fromRelease: "2024.12.02",
      toRelease: "2025.05.00",
      mode: "data-upgrade",
      requestedBy: REQUESTER,
      outcome: { status: "completed", finished: true },
    });
    expect(record.approvals.decisions).toEqual([
      expect.objectContaining({
        kind: "approval",
        approver: APPROVER,
        choice: "approve",
        reason: "change CHG-1234 approved",
      }),
    ]);
    const upgradeMode = record.stages.find((s) => s.name === "upgrade-mode")!;
    const verify = record.stages.find((s) => s.name === "verify")!;
    expect(record.downtime).toMatchObject({
      startedAt: upgradeMode.startedAt,
      endedAt: verify.endedAt,
      confirmed: true,
    });
    expect(record.downtime.durationMs).toBe(Date.parse(verify.endedAt!) - Date.parse(upgradeMode.startedAt));
    expect(record.downtime.durationMs).toBeGreaterThan(0);
    expect(record.downtime.method).toMatch(/upgrade-mode/);
  });

  it("holds the helm revisions, the commands run, the data upgrade evidence and the e-mails", async () => {
    const record = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(record.helm.revisionBefore).toBe(3);
    expect(record.helm.revisionAfter).toBe(5);
    expect(record.helm.revisions.map((r) => r.revision)).toEqual([3, 4, 5]);
    expect(record.helm.commands.map((c) => [c.phase, c.exitCode])).toEqual([
      ["upgrade-mode", 0],
      ["finalize", 0],
    ]);
    expect(record.helm.commands[0]!.command).toContain("--set application.system.upgradeMode=true");
    expect(record.dataUpgrade).toMatchObject({ toVersion: "Version450", ok: true, response: { status: 200 } });
    expect(record.preChecks?.ui.ok).toBe(true);
    expect(record.preChecks?.queues).toMatchObject({
      ok: true,
      depths: expect.arrayContaining([expect.objectContaining({ name: "ingestion-data-set" })]),
    });
    expect(record.plan?.diffSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.verification?.ok).toBe(true);
    expect(record.emails.map((m) => m.kind)).toEqual(["decision-request", "downtime-notice", "completed"]);
    expect(record.emails[0]!.recipients).toEqual([APPROVER]);
  });

  it("renders Markdown that names the approver and the downtime", async () => {
    const reply = await demo.api("GET", `/api/upgrades/${id}/audit?format=md`);
    expect(reply.status).toBe(200);
    expect(reply.text).toContain(`# Upgrade audit: ${id}`);
    expect(reply.text).toMatch(new RegExp(`Approved by \\| ${APPROVER.replace(/\./g, "\\.")} at `));
    expect(reply.text).toMatch(/\| Downtime \| \d+ s, /);
    expect(reply.text).toContain("## Downtime");
  });

  it("was archived write-once in the audit directory when the run ended", async () => {
    const file = path.join(demo.dir, "audit", "demo", `${id}.json`);
    const archived = AuditRecordSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(archived.outcome.status).toBe("completed");
    expect(archived.approvals.decisions[0]?.approver).toBe(APPROVER);
    const live = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(archived.downtime).toEqual(live.downtime);
  });

  it("never carries a secret, a signed approval link or a function key", async () => {
    const text =
      (await demo.api("GET", `/api/upgrades/${id}/audit`)).text +
      (await demo.api("GET", `/api/upgrades/${id}/audit?format=md`)).text;
    expect(text).not.toMatch(/\/api\/approvals[/#]/);
    expect(text).not.toContain(demo.app.runtime.systemKey);
    expect(text).not.toContain(demo.app.sim.token);
  });

  it("answers 400 for a bad id or format and 404 for an unknown run", async () => {
    expect((await demo.api("GET", `/api/upgrades/NOT_AN_ID/audit`)).status).toBe(400);
    expect((await demo.api("GET", `/api/upgrades/${id}/audit?format=pdf`)).status).toBe(400);
    const unknown = await demo.api<{ error: { code: string } }>(
      "GET",
      `/api/upgrades/demo-20200101t000000z-abcdef/audit`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("unknown-upgrade");
  });
});

describe("OpenAPI document", () => {
  const keysOf = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape).sort();

  it("lists every public route with its request and response shapes and the error body", async () => {
    const reply = await demo.api<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    }>("GET", "/api/openapi.json");
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe("3.1.0");
    expect(Object.keys(reply.body.paths).sort()).toEqual(
      [
        "/api/plans",
        "/api/upgrades",
        "/api/upgrades/{id}",
        "/api/upgrades/{id}/cancel",
        "/api/upgrades/{id}/audit",
        "/api/restores",
        "/api/restores/{id}",
        "/api/approvals",
        "/api/approvals/view",
        "/api/approvals/{token}",
        "/api/dashboard",
        "/api/dashboard/runs/{id}",
        "/api/dashboard/outbox",
        "/api/openapi.json",
        "/api/waves",
        "/api/waves/{id}",
        "/api/waves/{id}/stop",
        "/api/waves/{id}/resume",
        "/api/waves/{id}/skip",
        "/api/waves/{id}/retry",
        "/api/waves/{id}/audit",
      ].sort(),
    );
    const start = reply.body.paths["/api/upgrades"]!.post!;
    expect(JSON.stringify(start.requestBody)).toContain('"targetRelease"');
    expect(JSON.stringify(start.requestBody)).toContain(JSON.stringify(RELEASE_TAG_PATTERN.source));
    expect(Object.keys(start.responses)).toEqual(expect.arrayContaining(["202", "400", "404", "409"]));
    expect(reply.body.components.schemas.Error).toMatchObject({
      properties: { error: { required: ["code", "message"] } },
    });
  });

  it("describes what the routes really answer", async () => {
    const plan = await demo.api("POST", "/api/plans", { cluster: "demo", targetRelease: "2025.05.02" });
    expect(PlanResponseSchema.safeParse(plan.body).error).toBeUndefined();
    const run = await demo.api<Record<string, unknown>>("GET", `/api/upgrades/${id}`);
    expect(UpgradeResourceSchema.safeParse(run.body).error).toBeUndefined();
    expect(Object.keys(run.body).every((k) => keysOf(UpgradeResourceSchema).includes(k))).toBe(true);
    const list = await demo.api<{ items: Record<string, unknown>[] }>("GET", "/api/upgrades?cluster=demo");
    expect(UpgradeListSchema.safeParse(list.body).error).toBeUndefined();
    expect(Object.keys(list.body.items[0]!).every((k) => keysOf(UpgradeSummarySchema).includes(k))).toBe(true);
    const refused = await demo.api("POST", "/api/upgrades", { cluster: "demo" });
    expect(refused.status).toBe(400);
    expect(ErrorBodySchema.safeParse(refused.body).success).toBe(true);
  });
});

describe("after Durable's history is purged", () => {
  it("survives purging Durable's history: the record is then read from the sink", async () => {
    await demo.app.runtime.purge(id);
    expect((await demo.api("GET", `/api/upgrades/${id}`)).status).toBe(404);
    const reply = await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`);
    expect(reply.status).toBe(200);
    expect(reply.body.approvals.decisions[0]?.approver).toBe(APPROVER);
    expect(reply.body.downtime.confirmed).toBe(true);
  });
});
