/**
 * The host's limits hold for the app's own runs: custom status is refused by the host over 16 KB of UTF-16
 * (DurableOrchestrationContext.SetCustomStatus), and the app keeps it under half of that by design, whatever
 * approvers type. What the view shortens, the audit record keeps whole.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import { CUSTOM_STATUS_BUDGET_BYTES } from "./custom-status.js";
import { APPROVER, startDemo, type Demo } from "./harness.js";

const REASON =
  `CAB-2291: ${"risk accepted after review of the data upgrade, rollback plan and backups; ".repeat(40)}`.slice(
    0,
    2000,
  );

let demo: Demo;
let id: string;

beforeAll(async () => {
  demo = await startDemo();
  id = await demo.start("2025.05.00");
  await demo.until(id, (r) => r.status === "awaiting-approval");
  const link = (await demo.links(id, APPROVER)).at(-1)!;
  expect((await demo.decide(link, "approve", REASON)).status).toBe(200);
  await demo.finished(id);
}, 120_000);
afterAll(async () => {
  await demo?.close();
});

describe("a data upgrade approved with a 2,000-character reason", () => {
  it("completes, and its custom status stayed under half of the host's limit", async () => {
    expect((await demo.run(id)).status).toBe("completed");
    const largest = demo.app.runtime.largestCustomStatus;
    expect(largest?.utf16Bytes).toBeGreaterThan(0);
    expect(largest!.utf16Bytes).toBeLessThan(CUSTOM_STATUS_BUDGET_BYTES);
  });

  it("shows the reason shortened in the run's view and whole in the audit record", async () => {
    const shown = (await demo.run(id)).approvals.decisions[0]?.reason ?? "";
    expect(shown.length).toBeLessThanOrEqual(100);
    expect(REASON.startsWith(shown.replace(/…$/, ""))).toBe(true);
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.approvals.decisions[0]?.reason).toBe(REASON);
    expect(audit.events.some((e) => e.message.includes(REASON))).toBe(true);
  });
});
