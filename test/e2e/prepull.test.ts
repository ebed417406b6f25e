/**
 * Image pre-pull end to end: the real app on the local runtime against the simulator. The target release's images
 * reach every node before the Helm upgrade starts, the pre-pull DaemonSet is gone afterwards, the downtime is
 * shorter than the same upgrade without pre-pull, a node without disk room blocks before approval with a message
 * naming it, and a failed pull under best-effort still completes the upgrade with a warning in the audit.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import { NODES } from "../../local/sim/model/cluster.js";
import { APPROVER, approvalPage, approve, startDemo, type Demo } from "./harness.js";

/** A basic upgrade (2024.12.01 -> 2024.12.02) from a registry slow enough that the pulls matter (160 s for the server). */
const SLOW_REGISTRY = {
  release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" },
  timings: { imagePullMs: 160_000 },
};

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const auditOf = async (d: Demo, id: string): Promise<AuditRecord> => {
  const reply = await d.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`);
  expect(reply.status).toBe(200);
  return reply.body;
};

/** The approval page of the run's newest approval link. */
async function approvalPageOf(d: Demo, id: string): Promise<string> {
  await d.until(id, (r) => r.approvals.pending?.kind === "approval" || r.finished);
  return approvalPage(d, (await d.links(id, APPROVER)).at(-1)!);
}

async function upgradeOnce(
  prePull: "best-effort" | "off",
): Promise<{ demo: Demo; id: string; audit: AuditRecord; page: string }> {
  const d = await startDemo({ scenario: SLOW_REGISTRY, profile: { policies: { prePull } } });
  demo = d;
  const id = await d.start("2024.12.02");
  const page = await approvalPageOf(d, id);
  await approve(d, id);
  const run = await d.finished(id);
  expect(run.status, run.reason).toBe("completed");
  return { demo: d, id, audit: await auditOf(d, id), page };
}

describe("image pre-pull before the downtime", () => {
  it("puts the images on every node before Helm starts, deletes its DaemonSet, and shortens the downtime", async () => {
    const withPull = await upgradeOnce("best-effort");
    // The approvers saw the images and what each node will pull.
    expect(withPull.page).toContain("Images and node capacity");
    expect(withPull.page).toContain("cluedinprod.azurecr.io/cluedin/cluedin-server:2024.12.02");
    for (const node of NODES) expect(withPull.page).toMatch(new RegExp(`<td>${node}</td><td>11</td><td>9\\.0 GB</td>`));
    const sim = withPull.demo.app.sim;
    const journal = sim.journal();
    const created = journal.find(
      (e) => e.resource === "daemonsets.apps" && e.verb === "create" && e.name.startsWith("cu-prepull-"),
    );
    const deleted = journal.find(
      (e) => e.resource === "daemonsets.apps" && e.verb === "delete" && e.name === created?.name,
    );
    const helm = journal.find((e) => e.actor === "helm" && e.verb === "upgrade");
    expect(created && deleted && helm).toBeTruthy();
    expect(created!.seq).toBeLessThan(deleted!.seq);
    expect(deleted!.seq).toBeLessThan(helm!.seq);

    const prePull = withPull.audit.prePull!;
    expect(prePull.ok, prePull.summary).toBe(true);
    expect(prePull.deleted).toBe(true);
    expect(prePull.images).toContain("cluedinprod.azurecr.io/cluedin/cluedin-server:2024.12.02");
    // Every image on every node, pulled (from the simulator's own record) before the Helm upgrade began.
    const state = sim.state();
    for (const node of NODES)
      for (const ref of prePull.images) {
        const pull = state.pulls.find((p) => p.node === node && p.ref === ref);
        expect(pull?.doneAt, `${ref} on ${node}`).toBeDefined();
        expect(Date.parse(pull!.doneAt!)).toBeLessThanOrEqual(Date.parse(helm!.at));
      }
    expect(prePull.nodes?.map((n) => n.node).sort()).toEqual([...NODES].sort());
    for (const n of prePull.nodes ?? []) {
      expect(n.pulled).toHaveLength(prePull.images.length);
      expect(n.bytes).toBeGreaterThan(3e9);
    }
    // The DaemonSet and its pods are gone.
    expect(state.pods.some((p) => p.name.startsWith("cu-prepull-"))).toBe(false);
    const withDowntime = withPull.audit.downtime.durationMs!;
    await withPull.demo.close();
    demo = undefined;

    const without = await upgradeOnce("off");
    expect(without.audit.prePull?.nodes).toBeUndefined();
    expect(without.demo.app.sim.journal().some((e) => e.name.startsWith("cu-prepull-"))).toBe(false);
    const withoutDowntime = without.audit.downtime.durationMs!;
    // 160 s of server pull at time scale 0.05 is 8 s of the run's clock: gone from the downtime.
    expect(withDowntime).toBeLessThan(withoutDowntime - 4_000);
  });

  it("blocks before approval when a node has no disk room for the new images, naming the node and the numbers", async () => {
    demo = await startDemo({ scenario: SLOW_REGISTRY, faults: { nodeDiskFull: ["1"] } });
    const id = await demo.start("2024.12.02");
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/blocked by pre-checks/);
    expect(run.reason).toContain(`node ${NODES[1]} has no disk room for the new images`);
    expect(run.reason).toMatch(/need about \d+\.\d GB .* of its \d+\.\d GB disk, .* 85 %/);
    expect(run.stages.some((s) => s.name === "approval")).toBe(false);
    expect((await demo.links(id, "approver@contoso.example")).length).toBe(0);
    expect(demo.app.sim.journal().some((e) => e.actor === "helm" || e.name.startsWith("cu-prepull-"))).toBe(false);
    const audit = await auditOf(demo, id);
    expect(audit.prePull?.check?.findings.map((f) => f.node)).toEqual([NODES[1]]);
  });

  it("a pull that keeps failing under best-effort ends the pre-pull with a warning and the upgrade completes", async () => {
    // The registry refuses cluedin/ui on a node where cluedin-ui does not run: the pre-pull there never finishes.
    const probe = await startDemo({ scenario: SLOW_REGISTRY });
    const uiNode = probe.app.sim.state().pods.find((p) => p.workload === "cluedin-ui")!.node;
    await probe.close();
    const failing = NODES.find((n) => n !== uiNode)!;
    demo = await startDemo({
      scenario: SLOW_REGISTRY,
      profile: { timings: { prePullDeadline: "3m" } },
      faults: { imagePull: { mode: "fail", match: "cluedin/ui:2024.12.02", nodes: [failing] } },
    });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status, run.reason).toBe("completed");
    const audit = await auditOf(demo, id);
    const prePull = audit.prePull!;
    expect(prePull.ok).toBe(false);
    expect(prePull.deleted).toBe(true);
    const node = prePull.nodes!.find((n) => n.node === failing)!;
    expect(node.missing).toContain("cluedinprod.azurecr.io/cluedin/ui:2024.12.02");
    expect(node.waiting).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect(node.waiting).toContain("toomanyrequests");
    expect(audit.events.some((e) => e.message.startsWith("pre-pull warning:") && e.message.includes(failing))).toBe(
      true,
    );
    const stage = run.stages.find((s) => s.name === "pre-pull")!;
    expect(stage.state).toBe("succeeded");
    expect(stage.note ?? "").toMatch(/incomplete \(best-effort\)/);
    expect(demo.app.sim.state().pods.some((p) => p.name.startsWith("cu-prepull-"))).toBe(false);
  });

  it("with policy required a pre-pull that does not finish ends the run, nothing changed, the DaemonSet deleted", async () => {
    demo = await startDemo({
      scenario: SLOW_REGISTRY,
      profile: { policies: { prePull: "required" }, timings: { prePullDeadline: "2m" } },
      faults: { imagePull: { mode: "fail", match: "cluedin/cluedin-server:2024.12.02", nodes: ["0"] } },
    });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/^image pre-pull failed \(policy required\): /);
    expect(run.reason).toContain(`${NODES[0]} lacks cluedinprod.azurecr.io/cluedin/cluedin-server:2024.12.02`);
    expect(run.reason).toMatch(/not done within 2 min/);
    expect(run.reason).toMatch(/nothing changed on the cluster$/);
    const journal = demo.app.sim.journal();
    expect(journal.some((e) => e.actor === "helm")).toBe(false);
    expect(journal.filter((e) => e.name.startsWith("cu-prepull-")).map((e) => e.verb)).toEqual(["create", "delete"]);
    expect(run.stages.some((s) => s.name === "downtime-notice")).toBe(false);
    expect((await auditOf(demo, id)).prePull).toMatchObject({ ok: false, deleted: true });
  });

  it("a cancel during the pre-pull ends the run cancelled and deletes the DaemonSet", async () => {
    demo = await startDemo({
      scenario: SLOW_REGISTRY,
      faults: { imagePull: { mode: "slow", factor: 50 } },
    });
    const d = demo;
    const id = await d.start("2024.12.02");
    await approve(d, id);
    await d.until(id, (r) => r.stages.some((s) => s.name === "pre-pull") || r.finished);
    expect((await d.api("POST", `/api/upgrades/${id}/cancel`)).status).toBe(202);
    const run = await d.finished(id);
    expect(run.status).toBe("cancelled");
    expect(run.reason).toMatch(/during the image pre-pull; nothing changed on the cluster$/);
    const journal = d.app.sim.journal();
    expect(journal.filter((e) => e.name.startsWith("cu-prepull-")).map((e) => e.verb)).toEqual(["create", "delete"]);
    expect(journal.some((e) => e.actor === "helm")).toBe(false);
    expect(d.app.sim.state().pods.some((p) => p.name.startsWith("cu-prepull-"))).toBe(false);
  });
});
