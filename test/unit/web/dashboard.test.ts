import { describe, expect, it } from "vitest";
import { expectedStages, linksIn, mailPage, runPage, runProgress, runsPage } from "../../../lib/web/dashboard.js";
import { renderPage } from "../../../lib/web/page.js";
import type { UpgradeResource } from "../../../lib/workflow/status.js";

const EVIL = `<script>alert("x")</script>`;

const run = (overrides: Partial<UpgradeResource> = {}): UpgradeResource => ({
  id: "demo-20260105t090000z-abc123",
  cluster: "demo",
  environment: "dev",
  fromRelease: "2024.12.02",
  targetRelease: "2025.05.00",
  mode: "basic",
  status: "awaiting-approval",
  finished: false,
  stage: "approval",
  stages: [
    {
      name: "read-values",
      state: "succeeded",
      startedAt: "2026-01-05T09:00:00.000Z",
      endedAt: "2026-01-05T09:00:01.000Z",
    },
    { name: "approval", state: "running", startedAt: "2026-01-05T09:00:01.000Z", note: EVIL },
  ],
  approvals: {
    pending: {
      requestId: "r",
      kind: "approval",
      choices: ["approve", "reject"],
      approvers: ["a@x.example", "b@x.example"],
      required: 2,
      decided: [{ approver: "a@x.example", choice: "approve", decidedAt: "2026-01-05T09:00:30.000Z" }],
      deadline: "2026-01-06T09:00:00.000Z",
    },
    decisions: [
      {
        requestId: "r",
        kind: "approval",
        approver: "a@x.example",
        choice: "approve",
        decidedAt: "2026-01-05T09:00:30.000Z",
        reason: EVIL,
      },
    ],
  },
  events: [{ at: "2026-01-05T09:00:00.000Z", message: EVIL }],
  createdAt: "2026-01-05T09:00:00.000Z",
  updatedAt: "2026-01-05T09:00:30.000Z",
  ...overrides,
});

describe("runPage", () => {
  const html = runPage({ run: run(), now: new Date("2026-01-05T09:01:00.000Z"), auditPath: "/api/upgrades/x/audit" });

  it("escapes every value taken from the run", () => {
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("says who is still to decide, and shows progress and the live markers the script reads", () => {
    expect(html).toContain("still to decide: <strong>b@x.example</strong>");
    expect(html).toContain('<progress id="progress" max="8" value="1">');
    expect(html).toMatch(
      /<div id="live" data-run="demo-20260105t090000z-abc123" data-status="awaiting-approval" data-updated="2026-01-05T09:00:30.000Z" data-finished="false">/,
    );
    expect(html).toContain('<svg class="timeline"');
  });
});

describe("runsPage", () => {
  it("labels every form control and keeps the filters chosen", () => {
    const html = runsPage({
      runs: [run()],
      filters: { cluster: "demo" },
      clusters: [{ name: "demo", environment: "dev" }],
      releases: ["2025.05.00"],
    });
    for (const id of [...html.matchAll(/<(?:select|input)[^>]* id="([^"]+)"/g)].map((m) => m[1]))
      expect(html).toContain(`<label for="${id}"`);
    expect(html).toContain('<option value="demo" selected>');
    expect(html).toContain('href="/api/dashboard/runs/demo-20260105t090000z-abc123"');
  });
});

describe("progress", () => {
  it("counts the mode's stages plus any other the run took", () => {
    expect(expectedStages({ mode: "data-upgrade", stages: [] })).toHaveLength(10);
    const rolledBack = run({
      stages: [...run().stages, { name: "rollback", state: "succeeded", startedAt: "x", endedAt: "y" }],
    });
    expect(runProgress(rolledBack)).toEqual({ done: 2, total: 9 });
    expect(runProgress({ ...rolledBack, finished: true })).toEqual({ done: 9, total: 9 });
  });
});

describe("outbox mail page", () => {
  it("turns only http(s) addresses into links and names decision links", () => {
    const text =
      "Approve: http://127.0.0.1:7071/api/approvals/abc.def\nnot this: javascript:alert(1)\nrun: http://127.0.0.1:7071/api/dashboard/runs/x";
    expect(linksIn(text)).toEqual([
      "http://127.0.0.1:7071/api/approvals/abc.def",
      "http://127.0.0.1:7071/api/dashboard/runs/x",
    ]);
    const html = mailPage({ file: "f.eml", to: ["a@x.example"], subject: EVIL, text, run: "x" });
    expect(html).toContain('<a href="http://127.0.0.1:7071/api/approvals/abc.def">Open the decision page</a>');
    expect(html).not.toContain("<script>");
  });
});

describe("layout", () => {
  it("has a skip link, a banner, a labelled navigation and a main landmark", () => {
    const html = renderPage("T", "<p>x</p>", { outbox: true, script: "void 0;" });
    expect(html).toMatch(/<body><a class="skip" href="#main">Skip to content<\/a>\s*<header>/);
    expect(html).toContain('<nav aria-label="Main">');
    expect(html).toContain('href="/api/dashboard/outbox">Outbox</a>');
    expect(html).toContain('<main id="main" tabindex="-1"><p>x</p></main>');
    expect(renderPage("T", "")).not.toContain("Outbox");
    expect(renderPage("T", "")).not.toContain("<script>");
  });
});
