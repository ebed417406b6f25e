import { describe, expect, it } from "vitest";
import { AuditRecordSchema, buildAuditRecord, type AuditSource } from "../../../lib/audit/index.js";
import type { HistoryEventView } from "../../../lib/workflow/history.js";
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

/** Events as Azure's status API returns them: results kept, inputs dropped (here a secret-bearing input is kept to prove it is not read). */
const done = (name: string, second: number, result: unknown, sub = false): HistoryEventView => ({
  EventType: sub ? "SubOrchestrationInstanceCompleted" : "TaskCompleted",
  FunctionName: name,
  Timestamp: t(second),
  ScheduledTime: t(second - 1),
  Result: JSON.stringify(result),
  Input: JSON.stringify({ values: `password: ${SECRET}` }),
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

const history: HistoryEventView[] = [
  { EventType: "ExecutionStarted", Timestamp: t(0), FunctionName: "upgrade" },
  done("readCurrentRelease", 1, {
    ok: true,
    last: revision(7, "deployed", "2.4.1", "2024.12.01"),
    deployed: revision(7, "deployed", "2.4.1", "2024.12.01"),
    history: [revision(6, "superseded", "2.4.1", "2024.12.01"), revision(7, "deployed", "2.4.1", "2024.12.01")],
  }),
  done("runPreChecks", 1, {
    ui: { ok: true, status: 200, elapsedMs: 12 },
    pods: { total: 3, ready: 3, completed: 0, healthy: true, problems: [], jobs: [], images: {} },
    logs: {
      windowSeconds: 300,
      errorLines: [`[#001 09:00:00 ERR][X] login failed for password=${SECRET}`],
      applicationStarted: true,
    },
  }),
  done("startQueueListing", 1, {
    ok: true,
    handle: { driver: "run-command", commandId: "q1", startedAt: t(1) },
    command: "kubectl exec ... rabbitmqctl list_queues",
    resumed: false,
  }),
  done(
    "monitor",
    2,
    {
      ok: true,
      timedOut: false,
      summary: "exit code 0",
      polls: 1,
      observation: {
        state: "done",
        exitCode: 0,
        logs: '[\n{"name":"commit-data-set","messages":4,"consumers":2}\n]\n',
        finishedAt: t(2),
      },
    },
    true,
  ),
  done("requestDecision", 2, { sent: ["alice@contoso.example", "bob@contoso.example"], failed: [] }),
  done("notify", 6, { ok: true, messageId: "m-downtime" }),
  done("startHelmUpgrade", 6, {
    ok: true,
    handle: { driver: "run-command", commandId: "c1", startedAt: t(6) },
    command: "helm upgrade cluedin-platform ... --description 'cluedin-upgrade run=x phase=basic attempt=1'",
    resumed: false,
  }),
  done(
    "monitor",
    20,
    {
      ok: true,
      timedOut: false,
      summary: "exit code 0",
      polls: 5,
      observation: { state: "done", exitCode: 0, logs: "ok", finishedAt: t(20) },
    },
    true,
  ),
  done("readCurrentRelease", 20, {
    ok: true,
    last: revision(8, "deployed", "2.4.2", "2024.12.02"),
    history: [revision(7, "superseded", "2.4.1", "2024.12.01"), revision(8, "deployed", "2.4.2", "2024.12.02")],
  }),
  done(
    "monitor",
    40,
    {
      ok: false,
      timedOut: true,
      summary: "UI not answering (503)",
      polls: 9,
      observation: {
        release: revision(8, "deployed", "2.4.2", "2024.12.02"),
        pods: { total: 3, ready: 3, completed: 0, healthy: true, problems: [], jobs: [], images: {} },
        logs: { windowSeconds: 60, errorLines: [], applicationStarted: true },
        ui: { ok: false, status: 503, elapsedMs: 40 },
      },
    },
    true,
  ),
  done("startHelmRollback", 40, {
    ok: true,
    handle: { driver: "run-command", commandId: "c2", startedAt: t(40) },
    command: "helm rollback cluedin-platform 7 -n cluedin --wait",
    resumed: false,
  }),
  done(
    "monitor",
    45,
    {
      ok: true,
      timedOut: false,
      summary: "exit code 0",
      polls: 2,
      observation: { state: "done", exitCode: 0, logs: "", finishedAt: t(45) },
    },
    true,
  ),
  done("notify", 46, { ok: true, messageId: "m-failed" }),
  {
    EventType: "ExecutionCompleted",
    Timestamp: t(47),
    Result: JSON.stringify({
      status: "failed",
      reason: "verification failed; rolled back to revision 7",
      view,
      revisionBefore: 7,
      revisionAfter: 9,
    }),
  },
];

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
    revisionBefore: 7,
    revisionAfter: 9,
  },
  history,
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

  it("redacts free text and never reads activity inputs", () => {
    const json = JSON.stringify(buildAuditRecord(source()));
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain("SYSTEMKEY");
    expect(json).toContain("«redacted»");
  });

  it("names e-mails by the run's events, aligned from the newest when the event log was cut", () => {
    const record = buildAuditRecord(source());
    expect(record.emails.map((m) => [m.kind, m.recipientCount, m.messageId])).toEqual([
      ["decision-request", 2, undefined],
      ["notification", undefined, "m-downtime"],
      ["failed", 3, "m-failed"],
    ]);
  });

  it("takes the ending a run reports of itself while its orchestration is still running", () => {
    const record = buildAuditRecord(
      source({
        runtimeStatus: "Running",
        output: undefined,
        customStatus: { ...view, status: "running" },
        history: history.filter((e) => e.EventType !== "ExecutionCompleted"),
        ending: { status: "failed", reason: "verification failed", revisionBefore: 7, revisionAfter: 9 },
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

  it("sums a chain's downtime from its hops", () => {
    const hop = buildAuditRecord(source());
    const parent = buildAuditRecord(source({ hops: [hop, hop] }));
    expect(parent.hops).toHaveLength(2);
    expect(parent.downtime.durationMs).toBe(2 * hop.downtime.durationMs!);
    expect(AuditRecordSchema.safeParse(parent).success).toBe(true);
  });
});
