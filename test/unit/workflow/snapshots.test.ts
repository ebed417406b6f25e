import { describe, expect, it } from "vitest";
import {
  decideCoverage,
  evaluateQuiesced,
  evaluateSnapshotSet,
  groupSets,
  quiesceOrder,
  runLabel,
  setsToDelete,
  shortRunId,
  snapshotName,
  snapshotsWanted,
  type ClaimInfo,
  type SnapshotSetInfo,
} from "../../../lib/workflow/snapshots.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RUN = "demo-20260105t090000z-abc123ef";

describe("snapshot names", () => {
  it.each([
    [RUN, "data-cluedin-neo4j-0", "cu-abc123ef-data-cluedin-neo4j-0"],
    [`${RUN}-hop2`, "cluedin-sqlserver-data", "cu-abc123efh2-cluedin-sqlserver-data"],
    ["not-a-run-id", "x", `cu-${shortRunId("not-a-run-id")}-x`],
    [RUN, "Weird_Name.With.Dots", "cu-abc123ef-weird-name-with-dots"],
  ])("%s / %s -> %s", (runId, pvc, name) => {
    expect(snapshotName(runId, pvc)).toBe(name);
  });

  it("stays a DNS-1123 label of at most 63 characters and tells long claims apart", () => {
    const long = `cluedin-elasticsearch-cluedin-elasticsearch-0-${"x".repeat(40)}`;
    const a = snapshotName(RUN, `${long}-a`);
    const b = snapshotName(RUN, `${long}-b`);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
    }
    expect(a).not.toBe(b);
    expect(snapshotName(RUN, `${long}-a`)).toBe(a);
  });

  it("labels a run with a valid label value", () => {
    expect(runLabel(RUN)).toBe(RUN);
    const label = runLabel(`${"a".repeat(60)}-20260105t090000z-abc123`);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(DNS_LABEL);
  });
});

describe("whether a run takes snapshots", () => {
  const policy = (mode: "required" | "data-upgrade-only" | "off") => ({
    mode,
    deadlineMs: 1,
    retention: 1,
    waivers: [],
    deleteOnFailure: true,
  });
  it.each([
    ["required", "basic", true],
    ["required", "data-upgrade", true],
    ["data-upgrade-only", "basic", false],
    ["data-upgrade-only", "data-upgrade", true],
    ["off", "data-upgrade", false],
  ] as const)("%s, %s -> %s", (mode, upgrade, wanted) => {
    expect(snapshotsWanted(policy(mode), upgrade)).toBe(wanted);
  });
  it("a run without a snapshot policy (started before 2.2) takes none", () => {
    expect(snapshotsWanted(undefined, "data-upgrade")).toBe(false);
  });
});

describe("coverage", () => {
  const disk = (name: string, extra: Partial<ClaimInfo> = {}): ClaimInfo => ({
    name,
    phase: "Bound",
    storageClass: "default",
    provisioner: "disk.csi.azure.com",
    size: "4Gi",
    ...extra,
  });
  const classes = [{ name: "csi-azuredisk-vsc", driver: "disk.csi.azure.com", deletionPolicy: "Delete" }];

  it.each([
    ["a bound Azure Disk claim", disk("a"), {}, true, []],
    ["a Pending claim", disk("a", { phase: "Pending" }), {}, false, ["a"]],
    ["an Azure Files claim", disk("a", { provisioner: "file.csi.azure.com" }), {}, false, ["a"]],
    ["a claim of an unknown class", { name: "a", phase: "Bound", storageClass: "gone" }, {}, false, ["a"]],
    ["a waived Pending claim", disk("a", { phase: "Pending" }), { waivers: ["a"] }, false, []],
    ["a named class that does not exist", disk("a"), { className: "missing" }, false, ["a"]],
    ["an existing named class", disk("a"), { className: "csi-azuredisk-vsc" }, true, []],
  ] as const)("%s", (_title, claim, policy, covered, blockers) => {
    const decision = decideCoverage(
      { claims: [claim], classes },
      { waivers: [], ...(policy as { className?: string; waivers?: string[] }) },
    );
    expect(decision.claims[0]?.covered).toBe(covered);
    expect(decision.blockers).toEqual(blockers);
  });

  it("creates the default class when absent, uses it when present", () => {
    expect(decideCoverage({ claims: [], classes: [] }, { waivers: [] })).toMatchObject({
      className: "cluedin-upgrade-vsc",
      create: true,
      driver: "disk.csi.azure.com",
    });
    expect(
      decideCoverage(
        {
          claims: [],
          classes: [{ name: "cluedin-upgrade-vsc", driver: "disk.csi.azure.com", deletionPolicy: "Retain" }],
        },
        { waivers: [] },
      ).create,
    ).toBe(false);
  });
});

describe("readiness", () => {
  const snap = (name: string, extra = {}) => ({ name, pvc: name, found: true, readyToUse: false, ...extra });
  const ready = { readyToUse: true, content: "snapcontent-1", restoreSize: "4Gi" };
  it.each([
    ["all ready", [snap("a", ready), snap("b", ready)], { done: true, ok: true }],
    ["one not ready", [snap("a", ready), snap("b")], { done: false, ok: false }],
    [
      "ready without a bound content",
      [snap("a", { readyToUse: true, restoreSize: "4Gi" })],
      { done: false, ok: false },
    ],
    ["an error", [snap("a", ready), snap("b", { error: "quota" })], { done: true, ok: false }],
    ["a missing snapshot", [snap("a", { found: false })], { done: true, ok: false }],
  ])("%s", (_title, seen, verdict) => {
    expect(evaluateSnapshotSet(seen)).toMatchObject(verdict);
  });

  it("stops Deployments before StatefulSets and waits until no pod runs", () => {
    const workloads = [
      { kind: "StatefulSet" as const, name: "neo4j", replicas: 1, pods: 0 },
      { kind: "Deployment" as const, name: "server", replicas: 2, pods: 1 },
    ];
    expect(quiesceOrder(workloads).map((w) => w.name)).toEqual(["server", "neo4j"]);
    expect(evaluateQuiesced(workloads)).toMatchObject({ done: false, summary: "still running: server (1)" });
    expect(evaluateQuiesced(workloads.map((w) => ({ ...w, pods: 0 })))).toMatchObject({ done: true, ok: true });
  });
});

describe("retention", () => {
  const set = (run: string, createdAt: string): SnapshotSetInfo => ({ run, createdAt, names: [`${run}-x`] });
  const sets = [set("r1", "2026-01-01"), set("r2", "2026-01-02"), set("r3", "2026-01-03"), set("r4", "2026-01-04")];
  it.each([
    ["keeps the newest K", 2, [], ["r2", "r1"]],
    ["keeps all when K covers them", 4, [], []],
    ["never deletes a set whose run has not finished", 1, ["r2"], ["r3", "r1"]],
    ["keeps one", 1, [], ["r3", "r2", "r1"]],
  ] as const)("%s", (_title, keep, unfinished, deleted) => {
    const doomed = setsToDelete(sets, keep, (s) => (unfinished as readonly string[]).includes(s.run));
    expect(doomed.map((s) => s.run)).toEqual(deleted);
  });

  it("groups labelled snapshots into sets by run, dated by their oldest", () => {
    expect(
      groupSets([
        { name: "a", run: "r1", createdAt: "2026-01-02" },
        { name: "b", run: "r1", createdAt: "2026-01-01", runId: "id-1" },
        { name: "c", run: "r2", createdAt: "2026-01-03" },
      ]),
    ).toEqual([
      { run: "r1", runId: "id-1", createdAt: "2026-01-01", names: ["a", "b"] },
      { run: "r2", createdAt: "2026-01-03", names: ["c"] },
    ]);
  });
});
