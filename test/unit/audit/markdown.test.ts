import { describe, expect, it } from "vitest";
import { auditMarkdown, formatDuration, type AuditRecord } from "../../../lib/audit/index.js";

const record = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  schema: "cluedin-upgrade/audit@1",
  runId: "demo-20260105t090000z-abc123",
  cluster: "demo",
  environment: "dev",
  requestedBy: { name: "Ops", email: "ops@contoso.example" },
  toRelease: "2025.05.00",
  approvals: {
    approvers: ["a@contoso.example"],
    required: 1,
    selfApproval: false,
    asked: [],
    decisions: [
      {
        kind: "approval",
        requestId: "r",
        approver: "a@contoso.example",
        choice: "approve",
        decidedAt: "2026-01-05T09:01:00.000Z",
        reason: "CHG-1 | <script>alert(1)</script>\nsecond line",
      },
    ],
  },
  stages: [],
  helm: {
    revisions: [],
    commands: [
      {
        kind: "upgrade",
        command: "helm upgrade x ``` y",
        resumed: false,
        started: true,
        exitCode: 0,
        outcome: "exit code 0",
      },
    ],
  },
  downtime: {
    startedAt: "2026-01-05T09:02:00.000Z",
    endedAt: "2026-01-05T09:30:05.000Z",
    durationMs: 1_685_000,
    confirmed: true,
    method: "m",
  },
  emails: [],
  events: [],
  outcome: { status: "completed", reason: "done", finished: true },
  builtAt: "2026-01-05T09:31:00.000Z",
  ...overrides,
});

describe("auditMarkdown", () => {
  it("names the approver and the downtime in the summary table", () => {
    const md = auditMarkdown(record());
    expect(md).toContain("| Approved by | a@contoso.example at 2026-01-05T09:01:00.000Z |");
    expect(md).toContain("| Downtime | 28 min 05 s, 2026-01-05T09:02:00.000Z → 2026-01-05T09:30:05.000Z |");
  });

  it("keeps table cells on one row and inert: pipes, angle brackets and newlines escaped", () => {
    const row = auditMarkdown(record())
      .split("\n")
      .find((line) => line.startsWith("| approval |"));
    expect(row).toBe(
      "| approval | a@contoso.example | approve | 2026-01-05T09:01:00.000Z | CHG-1 \\| \\<script\\>alert\\(1\\)\\</script\\> second line | – | – |",
    );
  });

  it("never turns user text into a link or an image", () => {
    const reason = "see ![pixel](https://evil.example/p.png) and [the fix](https://evil.example/login)";
    const base = record();
    const md = auditMarkdown({
      ...base,
      requestedBy: { name: "[Ops](https://evil.example)" },
      approvals: { ...base.approvals, decisions: [{ ...base.approvals.decisions[0]!, reason }] },
    });
    expect(md).not.toMatch(/(?<!\\)\]\(/);
    expect(md).not.toMatch(/(?<!\\)!(?<!\\)\[/);
    expect(md).toContain("\\!\\[pixel\\]\\(https://evil.example/p.png\\)");
  });

  it("fences commands with more backticks than they hold", () => {
    expect(auditMarkdown(record())).toContain("````sh\nhelm upgrade x ``` y\n````");
  });

  it("says when the downtime is only a lower bound", () => {
    const md = auditMarkdown(
      record({
        downtime: { startedAt: "2026-01-05T09:02:00.000Z", durationMs: 60_000, confirmed: false, method: "m" },
      }),
    );
    expect(md).toContain(
      "1 min 00 s \\(at least; the UI was not verified back\\), 2026-01-05T09:02:00.000Z → not confirmed back",
    );
  });

  it("shows the image pre-pull per node, with what is missing and the node check's blockers", () => {
    const md = auditMarkdown(
      record({
        prePull: {
          mode: "best-effort",
          images: ["r/cluedin/ui:2", "r/cluedin/cluedin-server:2"],
          check: {
            at: "2026-01-05T09:00:00Z",
            nodes: [],
            findings: [{ code: "node-disk", node: "n1", message: "node n1 | full" }],
          },
          nodes: [
            {
              node: "n0",
              pulled: ["r/cluedin/ui:2", "r/cluedin/cluedin-server:2"],
              missing: [],
              unknown: [],
              bytes: 4.2e9,
              durationMs: 61_000,
            },
            { node: "n1", pulled: [], missing: ["r/cluedin/ui:2"], unknown: ["r/cluedin/cluedin-server:2"], bytes: 0 },
          ],
          ok: false,
          summary: "n1 lacks r/cluedin/ui:2",
        },
      }),
    );
    expect(md).toContain("## Image pre-pull");
    expect(md).toContain("Policy best-effort; 2 image(s)");
    expect(md).toContain("Not done: n1 lacks r/cluedin/ui:2.");
    expect(md).toContain("Blocker: node n1 \\| full.");
    expect(md).toContain("| n0 | 2 | – | 4200000000 | 61 |");
    expect(md).toContain("r/cluedin/ui:2, r/cluedin/cluedin-server:2 \\(unknown\\)");
  });

  it("nests the hops of a chain one heading level down", () => {
    const md = auditMarkdown(record({ hops: [record({ runId: "demo-20260105t090000z-abc123-hop1" })] }));
    expect(md).toContain("\n## Upgrade audit: demo-20260105t090000z-abc123-hop1\n");
    expect(md).toContain("\n### Timeline\n");
  });
});

describe("formatDuration", () => {
  it.each([
    [undefined, "unknown"],
    [0, "0 s"],
    [42_400, "42 s"],
    [61_000, "1 min 01 s"],
    [3_723_000, "1 h 02 min 03 s"],
  ])("%s ms is %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});
