import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, approve, startDemo, type Demo } from "./harness.js";

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const OPERATOR = "operators@contoso.example";
const scenario = (name: string) => path.resolve("local/sim/scenarios", `${name}.yaml`);

describe("upgrade paths and windows", () => {
  it("a target that needs intermediate releases is refused with the path named, nothing changed", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.09.00");
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/2024\.12\.02 -> 2025\.05\.0\d -> 2025\.05\.02 -> 2025\.09\.00/);
    expect(demo.app.sim.state().helmOperations).toHaveLength(0);
  });

  it("with allowChain each hop runs as its own sub-orchestration with its own approval", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.09.00", { allowChain: true });
    const parent = await demo.until(id, (r) => (r.hops?.length ?? 0) > 0);
    expect(parent.hops).toHaveLength(3);
    for (let hop = 1; hop <= 3; hop++) {
      const hopId = `${id}-hop${hop}`;
      await demo.app.runtime.runUntil(async () => (await demo!.api("GET", `/api/upgrades/${hopId}`)).status === 200);
      await approve(demo, hopId);
    }
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    expect(demo.app.sim.state().release.revisions.at(-1)).toMatchObject({
      status: "deployed",
      chart: expect.stringContaining("2.6.0"),
    });
    const hops = await Promise.all([1, 2, 3].map((n) => demo!.run(`${id}-hop${n}`)));
    expect(hops.map((h) => h.status)).toEqual(["completed", "completed", "completed"]);
    expect(hops.map((h) => h.approvals.decisions.length)).toEqual([1, 1, 1]);
  });

  it("sleeps on a durable timer until the maintenance window opens, then upgrades", async () => {
    demo = await startDemo({
      scenario: { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } },
    });
    const opensAt = new Date(demo.clock.now() + 2 * 3_600_000);
    const id = await demo.start("2024.12.02", { notBefore: opensAt.toISOString() });
    await approve(demo, id);
    const waiting = await demo.until(id, (r) => r.stage === "maintenance-window");
    expect(demo.app.sim.state().helmOperations).toHaveLength(0);
    expect(waiting.stages.at(-1)?.note).toContain(opensAt.toISOString());
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    const helmStarted = new Date(run.stages.find((s) => s.name === "helm-upgrade")!.startedAt).getTime();
    expect(helmStarted).toBeGreaterThanOrEqual(opensAt.getTime());
  });

  it("a release stuck in pending-upgrade is a blocker with a recovery offer: rollback on approval, then the upgrade", async () => {
    demo = await startDemo({ scenario: scenario("pending-upgrade") });
    const id = await demo.start("2025.05.00");
    await demo.until(id, (r) => r.approvals.pending?.kind === "recover-pending");
    const link = (await demo.links(id, OPERATOR)).at(-1)!;
    expect((await demo.decide(link, "rollback", "helm died last night")).status).toBe(200);
    await approve(demo, id, APPROVER);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    const ops = demo.app.sim.state().helmOperations.map((op) => op.kind);
    expect(ops).toEqual(["rollback", "upgrade", "upgrade"]);
  });
});
