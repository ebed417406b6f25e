import { describe, expect, it } from "vitest";
import { AuditRecordSchema, buildAuditRecord, type AuditSource } from "../../../lib/audit/index.js";
import type { RunEvidence } from "../../../lib/workflow/evidence.js";
import type { RunView, StageRecord } from "../../../lib/workflow/model.js";

const t = (second: number): string => new Date(Date.UTC(2026, 0, 5, 9, 0, second)).toISOString();
const RUN = "prod-20260105t090000z-abc123";
const SECRET = "s3cr3t-Pa55word-value";

const revision = (n: number, status: string, chart: string, app: string) => ({
  revision: n,
  status,
  chartVersion: chart,
  appVersion: app,
  description: `rev ${n}`,
  updatedAt: t(n),
});

const stage = (name: StageRecord["name"], state: StageRecord["state"], from: number, to: number): StageRecord => ({
  name,
  state,
  startedAt: t(from),
  endedAt: t(to),
});

const view: RunView = {
  status: "failed",
  cluster: "prod",
  environment: "production",
  fromRelease: "2024.12.01",
  targetRelease: "2024.12.02",
  mode: "basic",
  stages: [
    stage("read-values", "succeeded", 0, 1),
    stage("approval", "succeeded", 2, 5),
    stage("helm-upgrade", "succeeded", 6, 20),
    stage("verify", "failed", 20, 40),
    stage("rollback", "succeeded", 40, 45),
    stage("notify", "succeeded", 45, 46),
  ],
  decisions: [
    {
      requestId: "r1",
      kind: "approval",
      approver: "alice@contoso.example",
      choice: "approve",
      decidedAt: t(4),
      reason: `ok; the db password=${SECRET}`,
      principal: "aad:alice@contoso.example",
      clientAddress: "10.1.2.3",
    },
  ],
  events: [
    { at: t(7), message: "started: helm upgrade ... see https://x.example/api?code=abcdefSYSTEMKEY" },
    { at: t(46), message: "e-mail sent: failed to 3 recipient(s)" },
  ],
};

/** The evidence a failed basic upgrade with an automatic rollback records as it goes (orchestrators/upgrade). */
const evidence: RunEvidence = {
  decisions: view.decisions,
  events: view.events,
  revisionBefore: 7,
  revisionAfter: 9,
  revisions: [
    revision(6, "superseded", "2.4.1", "2024.12.01"),
    revision(7, "superseded", "2.4.1", "2024.12.01"),
    revision(8, "deployed", "2.4.2", "2024.12.02"),
  ],
  lastRelease: revision(8, "deployed", "2.4.2", "2024.12.02"),
  preChecks: {
    at: t(1),
    ui: { ok: true, status: 200, elapsedMs: 12 },
    pods: { total: 3, ready: 3, completed: 0, healthy: true, problems: [] },
    logs: { windowSeconds: 300, errorLines: [`[#001 09:00:00 ERR][X] login failed for password=${SECRET}`] },
    queues: { ok: true, depths: [{ name: "commit-data-set", messages: 4, consumers: 2 }] },
  },
  asked: [{ at: t(2), recipients: ["alice@contoso.example", "bob@contoso.example"] }],
  emails: [
    {
      at: t(2),
      kind: "decision-request",
      recipients: ["alice@contoso.example", "bob@contoso.example"],
      recipientCount: 2,
      ok: true,
    },
    { at: t(6), kind: "downtime-notice", recipientCount: 5, ok: true, messageId: "m-downtime" },
    { at: t(46), kind: "failed", recipientCount: 3, ok: true, messageId: "m-failed" },
  ],
  helmCommands: [
    {
      at: t(6),
      kind: "upgrade",
      phase: "basic",
      attempt: 1,
      command: `helm upgrade cluedin-platform ... --set-string db.password=${SECRET}`,
      resumed: false,
      started: true,
      exitCode: 0,
      outcome: "exit code 0",
    },
    {
      at: t(40),
      kind: "rollback",
      phase: "rollback",
      command: "helm rollback cluedin-platform 7 -n cluedin --wait",
      resumed: false,
      started: true,
      exitCode: 0,
      outcome: "exit code 0",
    },
  ],
  verification: {
    ok: false,
    summary: "UI not answering (503)",
    release: revision(8, "deployed", "2.4.2", "2024.12.02"),
    podsReady: "3/3",
    applicationStarted: true,
    ui: { ok: false, status: 503, elapsedMs: 40 },
  },
};

const source = (overrides: Partial<AuditSource> = {}): AuditSource => ({
  instanceId: RUN,
  runtimeStatus: "Completed",
  input: {
    runId: RUN,
    cluster: "prod",
    targetRelease: "2024.12.02",
    requestedBy: { name: "Ops", email: "ops@contoso.example" },
    requestedAt: t(0),
    allowChain: false,
    policy: {
      environment: "production",
      approvers: ["alice@contoso.example", "bob@contoso.example"],
      escalation: [],
      notifyUsers: [],
      notifyOperators: [],
      requiredApprovals: 1,
      selfApproval: false,
      rollback: "auto",
      approvalDeadlineMs: 1,
      decisionDeadlineMs: 1,
      pollIntervalMs: 1,
      queueDrainDeadlineMs: 1,
      helmTimeoutMs: 1,
      podsReadyDeadlineMs: 1,
      dataUpgradeDeadlineMs: 1,
      verifyDeadlineMs: 1,
      queueDepthMax: 1,
      logWindowSeconds: 1,
      expectedDowntimeMinutes: 1,
    },
  },
  output: {
    status: "failed",
    reason: "verification failed; rolled back to revision 7",
    view,
    evidence,
    endedAt: t(47),
  },
  now: new Date(t(50)),
  ...overrides,
});

describe("buildAuditRecord", () => {
  it("reads a failed basic upgrade with rollback from results alone", () => {
    const record = AuditRecordSchema.parse(buildAuditRecord(source()));
    expect(record).toMatchObject({
      runId: RUN,
      cluster: "prod",
      environment: "production",
      fromRelease: "2024.12.01",
      toRelease: "2024.12.02",
      mode: "basic",
      requestedBy: { name: "Ops", email: "ops@contoso.example" },
      outcome: { status: "failed", finished: true, endedAt: t(47) },
      helm: { revisionBefore: 7, revisionAfter: 9 },
    });
    expect(record.helm.commands.map((c) => [c.kind, c.phase, c.exitCode])).toEqual([
      ["upgrade", "basic", 0],
      ["rollback", "rollback", 0],
    ]);
    expect(record.helm.revisions.map((r) => r.revision)).toEqual([7, 8]);
    expect(record.verification).toMatchObject({ ok: false, summary: "UI not answering (503)", podsReady: "3/3" });
    expect(record.downtime).toMatchObject({ startedAt: t(6), confirmed: false, durationMs: 41_000 });
    expect(record.approvals.asked).toEqual([
      { at: t(2), recipients: ["alice@contoso.example", "bob@contoso.example"] },
    ]);
    expect(record.approvals.decisions[0]).toMatchObject({
      principal: "aad:alice@contoso.example",
      clientAddress: "10.1.2.3",
    });
    expect(record.preChecks).toMatchObject({
      ui: { ok: true },
      pods: { ready: 3, total: 3 },
      queues: { ok: true, depths: [{ name: "commit-data-set", messages: 4, consumers: 2 }] },
    });
    expect(record.preChecks?.logs.errorLines[0]).toContain("password=«redacted»");
  });

  it("redacts free text in everything the run recorded", () => {
    const json = JSON.stringify(buildAuditRecord(source()));
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain("SYSTEMKEY");
    expect(json).toContain("«redacted»");
  });

  it("keeps the e-mails as the run recorded them, whatever its event log still shows", () => {
    const record = buildAuditRecord(source());
    expect(record.emails.map((m) => [m.kind, m.recipientCount, m.messageId])).toEqual([
      ["decision-request", 2, undefined],
      ["downtime-notice", 5, "m-downtime"],
      ["failed", 3, "m-failed"],
    ]);
  });

  it("of a running run shows its view and no evidence it has not handed over yet", () => {
    const record = buildAuditRecord(
      source({ runtimeStatus: "Running", output: undefined, customStatus: { ...view, status: "awaiting-approval" } }),
    );
    expect(record.outcome).toMatchObject({ status: "awaiting-approval", finished: false });
    expect(record.outcome.endedAt).toBeUndefined();
    expect(record.stages.map((s) => s.name)).toEqual(view.stages.map((s) => s.name));
    expect(record.helm.commands).toEqual([]);
    expect(record.preChecks).toBeUndefined();
  });

  it("takes the ending a run reports of itself while its orchestration is still running", () => {
    const record = buildAuditRecord(
      source({
        runtimeStatus: "Running",
        output: undefined,
        customStatus: { ...view, status: "running" },
        evidence,
        ending: { status: "failed", reason: "verification failed", endedAt: t(46) },
      }),
    );
    expect(record.outcome).toMatchObject({
      status: "failed",
      reason: "verification failed",
      finished: true,
      endedAt: t(46),
    });
    expect(record.helm).toMatchObject({ revisionBefore: 7, revisionAfter: 9 });
  });

  it("keeps whole the reasons and events the view shows shortened", () => {
    const reason = `CAB minutes: ${"all risks reviewed and accepted; ".repeat(60)}`.slice(0, 2000);
    const long = { ...view.decisions[0]!, reason };
    const record = buildAuditRecord(
      source({
        output: {
          status: "failed",
          reason: "verification failed",
          view: { ...view, decisions: [{ ...long, reason: `${reason.slice(0, 159)}…` }] },
          evidence: { ...evidence, decisions: [long], events: [...view.events, { at: t(47), message: reason }] },
          endedAt: t(47),
        },
      }),
    );
    expect(record.approvals.decisions[0]?.reason).toBe(reason);
    expect(record.events.at(-1)?.message).toBe(reason);
  });

  it("sums a chain's downtime from its hops", () => {
    const hop = buildAuditRecord(source());
    const parent = buildAuditRecord(source({ hops: [hop, hop] }));
    expect(parent.hops).toHaveLength(2);
    expect(parent.downtime.durationMs).toBe(2 * hop.downtime.durationMs!);
    expect(AuditRecordSchema.safeParse(parent).success).toBe(true);
  });
});
