/**
 * Operations around the upgrade, end to end on the simulator: users told of the window in advance and how to report
 * issues afterwards, blocked days and an approver's override, stuck queues, and the diagnosis of pods that fail.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import { APPROVER, approve, startDemo, type Demo } from "./harness.js";

const USERS = "users@contoso.example";
const EVERY_DAY = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const helmUpgrades = (d: Demo) => d.app.sim.state().helmOperations.filter((op) => op.kind === "upgrade");
const audit = async (d: Demo, id: string) => (await d.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;

describe("users are told in advance and afterwards", () => {
  it("a scheduled start mails users the window, then the closing notice says how to report issues", async () => {
    demo = await startDemo();
    const notBefore = new Date(demo.clock.now() + 30 * 60_000).toISOString();
    const id = await demo.start("2025.05.00", { notBefore });
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    const mails = (await demo.mails()).filter((m) => m.headers["X-CluedIn-Upgrade-Run"] === id);
    const scheduled = mails.find((m) => m.subject.includes("scheduled"));
    expect(scheduled?.to).toEqual([USERS]);
    expect(scheduled?.text).toContain("Maintenance window: from ");
    expect(scheduled?.text).toContain("Expected downtime: about");
    expect(scheduled?.text).toContain("Business impact:");
    const closing = mails.find((m) => m.subject.includes("completed"));
    expect(closing?.to).toContain(USERS);
    expect(closing?.text).toContain("report it to operators@contoso.example");
    const kinds = mails.map((m) => m.subject);
    expect(kinds.findIndex((s) => s.includes("scheduled"))).toBeLessThan(
      kinds.findIndex((s) => s.includes("downtime")),
    );
  });
});

describe("blocked days", () => {
  it("an approval on a blocked day stops the run at approval with the reason, nothing changed", async () => {
    demo = await startDemo({ profile: { policies: { blockedDays: EVERY_DAY } } });
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("rejected");
    expect(run.reason).toContain("a blocked day of this cluster");
    expect(run.stages.find((s) => s.name === "approval")?.state).toBe("failed");
    expect(helmUpgrades(demo)).toHaveLength(0);
  });

  it("an approver overrides it with a reason: the run goes on and the audit names who and why", async () => {
    demo = await startDemo({ profile: { policies: { blockedDays: EVERY_DAY } } });
    const id = await demo.start("2025.05.00");
    await demo.until(id, (r) => r.status === "awaiting-approval");
    const link = (await demo.links(id, APPROVER)).at(-1)!;
    expect((await demo.decide(link, "override")).status).toBe(400);
    expect((await demo.decide(link, "override", "security fix CHG-77 cannot wait")).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    const record = await audit(demo, id);
    expect(record.approvals.blockedDayOverrides).toEqual([
      expect.objectContaining({ approver: APPROVER, reason: "security fix CHG-77 cannot wait", signed: "verified" }),
    ]);
  });
});

describe("queues", () => {
  it("a queue with messages and no consumers is stuck: the pre-checks block at once, naming it", async () => {
    demo = await startDemo({ faults: { queuesStuck: true } });
    const id = await demo.start("2025.05.00");
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/queues stuck with no consumers: .*\(\d+ messages, 0 consumers\)/);
    expect(helmUpgrades(demo)).toHaveLength(0);
  });
});

describe("diagnosis", () => {
  it("a pod crash-looping after the upgrade is diagnosed in the failure e-mail and the audit record", async () => {
    demo = await startDemo({
      scenario: { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } },
      faults: { crashLoopAfterUpgrade: ["cluedin-server"] },
      profile: { policies: { rollback: "ask" } },
    });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(["failed", "halted"]).toContain(run.status);
    const mail = (await demo.mails()).find(
      (m) => m.headers["X-CluedIn-Upgrade-Run"] === id && /failed|halted/.test(m.subject),
    );
    expect(mail?.text).toContain("Diagnosis of the unhealthy pods:");
    expect(mail?.text).toMatch(/cluedin-server\S* \(\S+\): CrashLoopBackOff/);
    const record = await audit(demo, id);
    expect(record.diagnosis?.pods.some((p) => p.pod.startsWith("cluedin-server"))).toBe(true);
  });
});
