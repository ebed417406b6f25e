/**
 * Snapshots end to end: the real app on the local runtime against the simulator. A data upgrade takes a ready
 * snapshot of every claim before its first Helm change and records it; a data upgrade that fails is restored on an
 * operator's e-mailed decision (the volumes are back on the old data, the release on the old chart); retention
 * deletes the older sets of the cluster after a successful run.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lib/audit/index.js";
import type { RunEvidence } from "../../lib/workflow/evidence.js";
import { simClaims } from "../../local/sim/model/snapshots.js";
import { approve, startDemo, type Demo } from "./harness.js";

const OPERATOR = "operators@contoso.example";
const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const evidenceOf = async (d: Demo, id: string): Promise<RunEvidence> =>
  ((await d.app.runtime.getStatus(id))?.output as { evidence: RunEvidence }).evidence;

async function decisionLink(d: Demo, id: string, kind: string): Promise<string> {
  const run = await d.until(id, (r) => r.approvals.pending?.kind === kind || r.finished);
  const link = (await d.links(id, OPERATOR)).at(-1);
  if (!link || run.approvals.pending?.kind !== kind)
    throw new Error(`no ${kind} link: the run is ${run.status}: ${run.reason ?? ""}`);
  return link;
}

const stageMs = (
  run: { stages: { name: string; startedAt: string; endedAt?: string | undefined }[] },
  name: string,
): number => {
  const stage = run.stages.find((s) => s.name === name);
  return stage?.endedAt ? Date.parse(stage.endedAt) - Date.parse(stage.startedAt) : NaN;
};

describe("volume snapshots around an upgrade", () => {
  it("a data upgrade takes and records a ready snapshot of every claim, CluedIn stopped, before its first Helm change", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const wallFrom = Date.now();
    const run = await demo.finished(id);
    const wallMs = Date.now() - wallFrom;

    expect(run.status).toBe("completed");
    const names = run.stages.map((s) => s.name);
    expect(names.indexOf("snapshot")).toBeGreaterThan(names.indexOf("downtime-notice"));
    expect(names.indexOf("snapshot")).toBeLessThan(names.indexOf("upgrade-mode"));
    const snapshotStage = run.stages.find((s) => s.name === "snapshot")!;
    const upgradeMode = run.stages.find((s) => s.name === "upgrade-mode")!;
    expect(snapshotStage.state).toBe("succeeded");
    expect(snapshotStage.endedAt! <= upgradeMode.startedAt).toBe(true);

    const claims = simClaims()
      .map((c) => c.name)
      .sort();
    const state = demo.app.sim.state();
    expect(state.snapshots.map((s) => s.pvc).sort()).toEqual(claims);
    expect(state.snapshots.every((s) => s.readyToUse && s.quiesced && s.dataVersion === "data of 2024.12.02")).toBe(
      true,
    );
    // The data upgrade migrated the live volumes; the snapshots still hold the old data.
    expect(state.volumes.every((v) => v.dataVersion === "Version450")).toBe(true);

    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    const snapshots = audit.snapshots!;
    expect(snapshots.ok).toBe(true);
    expect(snapshots.set.map((s) => s.pvc).sort()).toEqual(claims);
    for (const s of snapshots.set) {
      expect(s.name).toMatch(/^cu-[0-9a-z]+-[a-z0-9-]+$/);
      expect(s.name.length).toBeLessThanOrEqual(63);
      expect(s.handle).toMatch(/Microsoft.Compute\/snapshots\/snapshot-/);
      expect(s.readyAt).toBeDefined();
      expect(s.restoreSize).toBeDefined();
    }
    expect(snapshots.quiesced.length).toBeGreaterThan(10);
    expect(state.workloads.every((w) => w.replicas > 0 || ["cluedin-ui"].includes(w.name) === false)).toBe(true);
    const markdown = await demo.api("GET", `/api/upgrades/${id}/audit?format=md`);
    expect(markdown.text).toContain("Snapshots");
    console.info(
      `[snapshot cost] snapshot stage ${stageMs(run, "snapshot")} ms virtual of the run; whole run after approval ${wallMs} ms wall`,
    );
  });

  it("a data upgrade that fails halts; an operator restores through the e-mailed link: old data, old chart", async () => {
    // The server answers the data upgrade 500 after its first scenarios ran: the data is left half migrated.
    demo = await startDemo({ faults: { dataUpgrade: "error" } });
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const halted = await decisionLink(demo, id, "halted-data-upgrade");
    expect(demo.app.sim.state().volumes.every((v) => v.dataVersion === "Version450 (partly migrated)")).toBe(true);
    expect((await demo.decide(halted, "stop", "restore instead")).status).toBe(200);
    const offer = await decisionLink(demo, id, "restore");
    expect((await demo.decide(offer, "restore", "bring back the data")).status).toBe(200);
    const run = await demo.finished(id);

    expect(run.status).toBe("restored");
    expect(run.reason).toContain("restored on an operator's decision");
    const state = demo.app.sim.state();
    expect(state.volumes.every((v) => v.dataVersion === "data of 2024.12.02" && v.phase === "Bound")).toBe(true);
    expect(state.volumes.every((v) => v.fromSnapshot?.startsWith("cu-"))).toBe(true);
    expect(state.release.revisions.at(-1)).toMatchObject({
      status: "deployed",
      release: "2024.12.02",
      chart: "cluedin-platform-2.4.2",
    });
    expect(state.workloads.every((w) => !w.upgradeMode)).toBe(true);
    const evidence = await evidenceOf(demo, id);
    expect(evidence.restore).toMatchObject({ ok: true, toRevision: 3 });
    expect(evidence.restore?.retainedVolumes).toHaveLength(simClaims().length);
    expect(evidence.decisions.at(-1)).toMatchObject({ kind: "restore", approver: OPERATOR, choice: "restore" });
    const closing = (await demo.mails()).at(-1)!;
    expect(closing.text).toContain("restored");
  });

  it("retention keeps the newest sets of the cluster and deletes the older ones once their runs have finished", async () => {
    demo = await startDemo({ scenario: BASIC, profile: { policies: { snapshots: "required", snapshotRetention: 1 } } });
    const first = await demo.start("2024.12.02");
    await approve(demo, first);
    expect((await demo.finished(first)).status).toBe("completed");
    const firstSet = demo.app.sim.state().snapshots.map((s) => s.name);
    expect(firstSet).toHaveLength(simClaims().length);

    const second = await demo.start("2025.05.00");
    await approve(demo, second);
    expect((await demo.finished(second)).status).toBe("completed");
    const left = demo.app.sim.state().snapshots.map((s) => s.name);
    expect(left).toHaveLength(simClaims().length);
    expect(left.some((n) => firstSet.includes(n))).toBe(false);
    const evidence = await evidenceOf(demo, second);
    expect(evidence.retention).toMatchObject({ ok: true, keep: 1 });
    expect(evidence.retention?.deleted).toHaveLength(1);
  }, 180_000);
});
