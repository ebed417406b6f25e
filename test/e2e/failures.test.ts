import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import { APPROVER, approve, startDemo, type Demo } from "./harness.js";

const OPERATOR = "operators@contoso.example";
const BASIC = { scenario: { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } } };
/** The simulated slow rollout comes up a few seconds after Helm's timeout: a shorter grace sees it still down. */
const SHORT_GRACE = { helmTimeoutGrace: "1s" };

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const helmOps = (d: Demo, kind: "upgrade" | "rollback") =>
  d.app.sim.state().helmOperations.filter((op) => op.kind === kind);
const lastRevision = (d: Demo) => d.app.sim.state().release.revisions.at(-1)!;

async function decisionLink(d: Demo, id: string, to: string, kind: string): Promise<string> {
  await d.until(id, (r) => r.approvals.pending?.kind === kind);
  const link = (await d.links(id, to)).at(-1);
  if (!link) throw new Error(`no ${kind} link for ${to}`);
  return link;
}

describe("approval gates", () => {
  it("a rejection ends the run as rejected and changes nothing on the cluster", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.05.00");
    const link = await decisionLink(demo, id, APPROVER, "approval");
    expect((await demo.decide(link, "reject", "not during quarter close")).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("rejected");
    expect(run.approvals.decisions[0]).toMatchObject({ choice: "reject", reason: "not during quarter close" });
    expect(helmOps(demo, "upgrade")).toHaveLength(0);
    expect(lastRevision(demo)).toMatchObject({ revision: 3, status: "deployed", release: "2024.12.02" });
    expect((await demo.mails()).some((m) => m.subject.includes("not approved"))).toBe(true);
  });

  it("no decision before the deadline: a reminder, then the timeout counts as a rejection", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.05.00");
    const run = await demo.finished(id);
    expect(run.status).toBe("rejected");
    expect(run.reason).toContain("timeout counts as rejection");
    const approvalMails = (await demo.mails()).filter(
      (m) => m.to.includes(APPROVER) && m.subject.includes("Approval needed"),
    );
    expect(approvalMails.map((m) => m.subject.startsWith("Reminder"))).toEqual([false, true]);
    expect(helmOps(demo, "upgrade")).toHaveLength(0);
  });
});

describe("pre-checks", () => {
  it("stuck queues (messages, no consumers) block the run before approval, with nothing changed", async () => {
    demo = await startDemo({ faults: { queuesStuck: true } });
    const id = await demo.start("2025.05.00");
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toContain("queues stuck with no consumers");
    expect(run.stages.map((s) => s.name)).not.toContain("approval");
    expect(helmOps(demo, "upgrade")).toHaveLength(0);
    expect((await demo.mails()).some((m) => m.subject.includes("Approval needed"))).toBe(false);
  });

  it("busy queues that drain after a while are waited for, then the run goes on", async () => {
    demo = await startDemo(BASIC);
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    // The run's view shows only its newest events; the audit record keeps every one.
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.events.some((e) => e.message.includes("waiting for them to drain"))).toBe(true);
    expect(run.status).toBe("completed");
  });

  it("a crash-looping cluster blocks the run", async () => {
    demo = await startDemo({ faults: { crashLoop: ["cluedin-server"] } });
    const id = await demo.start("2025.05.00");
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/pods/);
    expect(helmOps(demo, "upgrade")).toHaveLength(0);
  });
});

describe("failure policy", () => {
  it("a helm timeout on a basic upgrade rolls back at once when the profile says auto", async () => {
    demo = await startDemo({ ...BASIC, faults: { helmUpgrade: "timeout" }, profile: { timings: SHORT_GRACE } });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/rolled back to revision \d+/);
    expect(helmOps(demo, "upgrade")).toHaveLength(1);
    expect(helmOps(demo, "rollback")).toHaveLength(1);
    expect(lastRevision(demo)).toMatchObject({ status: "deployed", release: "2024.12.01" });
  });

  it("a helm timeout whose pods come up within the grace continues to verification and completes", async () => {
    demo = await startDemo({ ...BASIC, faults: { helmUpgrade: "timeout" } });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    expect(helmOps(demo, "upgrade")).toHaveLength(1);
    expect(helmOps(demo, "rollback")).toHaveLength(0);
    expect(run.stages.find((s) => s.name === "helm-upgrade")?.state).toBe("succeeded");
    expect(run.events.map((e) => e.message).join("\n")).toMatch(
      /Helm timed out but the release came up within the grace/,
    );
    const audit = await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`);
    const [helm] = audit.body.helm.commands;
    expect(helm?.outcome).toMatch(/context deadline exceeded/);
    expect(helm?.timeoutGrace).toMatchObject({ ok: true });
    expect(lastRevision(demo)).toMatchObject({ status: "failed", release: "2024.12.02" });
  });

  it("with rollback: ask, an operator chooses through their own link", async () => {
    demo = await startDemo({
      ...BASIC,
      faults: { helmUpgrade: "timeout" },
      profile: { policies: { rollback: "ask" }, timings: SHORT_GRACE },
    });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const link = await decisionLink(demo, id, OPERATOR, "rollback");
    expect((await demo.decide(link, "rollback", "restore service")).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/rolled back to revision \d+/);
    expect(run.approvals.decisions.at(-1)).toMatchObject({ kind: "rollback", approver: OPERATOR, choice: "rollback" });
    expect(lastRevision(demo)).toMatchObject({ status: "deployed", release: "2024.12.01" });
  });

  it("with rollback: ask, leaving it as it is keeps the failed revision and says so", async () => {
    demo = await startDemo({
      ...BASIC,
      faults: { helmUpgrade: "timeout" },
      profile: { policies: { rollback: "ask" }, timings: SHORT_GRACE },
    });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    await demo.decide(await decisionLink(demo, id, OPERATOR, "rollback"), "leave");
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toContain("left as it is");
    expect(helmOps(demo, "rollback")).toHaveLength(0);
    expect(lastRevision(demo).status).toBe("failed");
  });

  it("a data upgrade answering 500 halts in upgrade mode; an operator retries and the run completes", async () => {
    demo = await startDemo({ faults: { dataUpgrade: "error" } });
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const link = await decisionLink(demo, id, OPERATOR, "halted-data-upgrade");
    const halted = await demo.run(id);
    expect(halted.status).toBe("halted");
    expect(halted.stages.find((s) => s.name === "data-upgrade")?.note).toContain("responded 500");
    expect(demo.app.sim.state().workloads.some((w) => w.upgradeMode)).toBe(true);
    expect((await demo.mails()).some((m) => m.subject.includes("halted"))).toBe(true);

    demo.app.sim.setFaults({ dataUpgrade: null });
    expect((await demo.decide(link, "retry", "operator fixed the server")).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    expect(demo.app.sim.state().dataUpgradeCreations).toHaveLength(2);
    expect(helmOps(demo, "upgrade")).toHaveLength(2);
    expect(demo.app.sim.state().workloads.every((w) => !w.upgradeMode)).toBe(true);
  });

  it("a halted data upgrade finalized anyway leaves upgrade mode without running the data upgrade again", async () => {
    demo = await startDemo({ faults: { dataUpgrade: "error" } });
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const link = await decisionLink(demo, id, OPERATOR, "halted-data-upgrade");
    expect(demo.app.sim.state().workloads.some((w) => w.upgradeMode)).toBe(true);

    expect((await demo.decide(link, "finalize", "data migrated by hand")).status).toBe(200);
    const run = await demo.finished(id);
    const upgrades = helmOps(demo, "upgrade");
    expect(upgrades.map((op) => op.set.includes("application.system.upgradeMode=false"))).toEqual([false, true]);
    expect(demo.app.sim.state().dataUpgradeCreations).toHaveLength(1);
    expect(run.stages.filter((s) => s.name === "data-upgrade").map((s) => s.state)).toEqual(["failed"]);
    expect(run.stages.filter((s) => s.name === "finalize").map((s) => s.state)).toEqual(["succeeded"]);
    expect(run.approvals.decisions.at(-1)).toMatchObject({ kind: "halted-data-upgrade", choice: "finalize" });
    expect(demo.app.sim.state().workloads.every((w) => !w.upgradeMode)).toBe(true);
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.helm.commands.map((c) => [c.phase, c.attempt])).toEqual([
      ["upgrade-mode", 1],
      ["finalize", 1],
    ]);
    expect(audit.dataUpgrade).toMatchObject({ ok: false, response: { status: 500 } });
  });

  it("a halted data upgrade with no decision ends halted, still in upgrade mode, and says so", async () => {
    demo = await startDemo({ faults: { dataUpgrade: "never" } });
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("halted");
    expect(run.reason).toContain("left in upgrade mode");
    expect(demo.app.sim.state().workloads.some((w) => w.upgradeMode)).toBe(true);
  });
});

describe("cancel", () => {
  it("before the Helm upgrade: the run ends cancelled and nothing changes", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.05.00");
    await demo.until(id, (r) => r.status === "awaiting-approval");
    expect((await demo.api("POST", `/api/upgrades/${id}/cancel`)).status).toBe(202);
    const run = await demo.finished(id);
    expect(run.status).toBe("cancelled");
    expect(helmOps(demo, "upgrade")).toHaveLength(0);
    expect((await demo.api("POST", `/api/upgrades/${id}/cancel`)).status).toBe(409);
  });

  it("after the point of no return: the current step finishes, then the run halts and says where it is", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    await demo.until(id, (r) => r.stage === "upgrade-mode");
    const reply = await demo.api<{ meaning: string }>("POST", `/api/upgrades/${id}/cancel`);
    expect(reply.body.meaning).toContain("halts");
    const run = await demo.finished(id);
    expect(run.status).toBe("halted");
    expect(run.reason).toContain("still in upgrade mode");
    expect(helmOps(demo, "upgrade")).toHaveLength(1);
    expect(demo.app.sim.state().dataUpgradeCreations).toHaveLength(0);
  });
});

describe("crash safety", () => {
  it("a runtime killed during the helm upgrade resumes on restart without a second helm upgrade", async () => {
    demo = await startDemo(BASIC);
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    await demo.until(id, (r) => r.stage === "helm-upgrade" && helmOps(demo!, "upgrade").length === 1);
    await demo.app.restartRuntime();
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    expect(helmOps(demo, "upgrade")).toHaveLength(1);
  });
});
