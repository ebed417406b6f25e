import { describe, expect, it } from "vitest";
import type { SnapshotEvidence } from "../../../lib/workflow/evidence.js";
import { StartRestoreRequestSchema, RestoreIdSchema } from "../../../lib/workflow/requests.js";
import {
  missingSnapshots,
  movedOnText,
  restoreQuestion,
  restoreSourceOf,
  revisionsSince,
  type RestorableRun,
} from "../../../lib/workflow/restores.js";
import { parseRunId, restoreRunId } from "../../../lib/workflow/runId.js";

const RUN = "demo-20260105t090000z-3f9a1c";

const snapshots = (patch: Partial<SnapshotEvidence> = {}): SnapshotEvidence => ({
  className: "cluedin-upgrade-vsc",
  coverage: [],
  quiesced: [
    { kind: "Deployment", name: "cluedin-server", replicas: 2 },
    { kind: "StatefulSet", name: "cluedin-sqlserver", replicas: 1 },
  ],
  set: [
    { name: "cu-3f9a1c-data-sql", pvc: "data-sql", restoreSize: "10Gi", readyAt: "2026-01-05T09:10:00.000Z" },
    { name: "cu-3f9a1c-data-es", pvc: "data-es", readyAt: "2026-01-05T09:10:00.000Z" },
  ],
  ok: true,
  summary: "2 snapshots ready",
  ...patch,
});

const run = (patch: Partial<RestorableRun> = {}): RestorableRun => ({
  runId: RUN,
  cluster: "demo",
  fromRelease: "2024.12.02",
  plan: { fromChart: "2.4.2" },
  helm: { revisionBefore: 3, revisionAfter: 5 },
  snapshots: snapshots(),
  outcome: { finished: true },
  ...patch,
});

const revision = (n: number) => ({
  revision: n,
  status: n === 6 ? ("deployed" as const) : ("superseded" as const),
  chartVersion: "2.5.0",
  appVersion: "2025.05.02",
  description: "",
  updatedAt: "2026-01-06T00:00:00Z",
});

describe("which runs' sets can be restored", () => {
  it("takes the set, the workloads with their replicas and the revision before the run", () => {
    const checked = restoreSourceOf(run());
    expect(checked).toMatchObject({
      ok: true,
      source: {
        runId: RUN,
        fromRelease: "2024.12.02",
        fromChart: "2.4.2",
        toRevision: 3,
        lastRevision: 5,
        set: [{ name: "cu-3f9a1c-data-sql", pvc: "data-sql", restoreSize: "10Gi" }, { pvc: "data-es" }],
        workloads: [{ kind: "Deployment", name: "cluedin-server", replicas: 2 }, { kind: "StatefulSet" }],
      },
    });
  });

  it.each([
    ["a run still going", run({ outcome: { finished: false } }), "upgrade-running"],
    ["a run without a set", run({ snapshots: undefined }), "no-snapshot-set"],
    ["an empty set", run({ snapshots: snapshots({ set: [] }) }), "no-snapshot-set"],
    ["a set that failed", run({ snapshots: snapshots({ ok: false, summary: "timed out" }) }), "snapshot-set-not-ready"],
    [
      "a set with a snapshot never ready",
      run({ snapshots: snapshots({ set: [{ name: "cu-x-a", pvc: "a" }] }) }),
      "snapshot-set-not-ready",
    ],
    ["a set deleted on failure", run({ snapshots: snapshots({ deleted: ["cu-x-a"] }) }), "snapshot-set-deleted"],
    ["no revision before", run({ helm: {} }), "no-revision-before"],
    ["no plan", run({ plan: undefined }), "no-revision-before"],
  ] as const)("refuses %s", (_name, given, code) => {
    expect(restoreSourceOf(given)).toMatchObject({ ok: false, code });
  });
});

describe("the set on the cluster and the release since", () => {
  const source = (restoreSourceOf(run()) as Extract<ReturnType<typeof restoreSourceOf>, { ok: true }>).source;

  it("names the snapshots missing or not ready", () => {
    const seen = [
      { name: "cu-3f9a1c-data-sql", pvc: "data-sql", found: true, readyToUse: true },
      { name: "cu-3f9a1c-data-es", pvc: "data-es", found: true, readyToUse: false },
    ];
    expect(missingSnapshots(source, seen)).toEqual(["cu-3f9a1c-data-es"]);
    expect(missingSnapshots(source, [])).toEqual(["cu-3f9a1c-data-sql", "cu-3f9a1c-data-es"]);
    expect(
      missingSnapshots(
        source,
        seen.map((s) => ({ ...s, readyToUse: true })),
      ),
    ).toEqual([]);
  });

  it("counts only revisions after the run's own as moved on", () => {
    const history = [3, 4, 5, 6].map(revision);
    expect(revisionsSince(source, history).map((r) => r.revision)).toEqual([6]);
    expect(revisionsSince({ ...source, lastRevision: undefined }, history).map((r) => r.revision)).toEqual([4, 5, 6]);
    expect(movedOnText(source, [])).toBe("");
  });

  it("asks with the set, the revision and, when it moved on, the later revisions", () => {
    const facts = { cluster: "demo", environment: "dev", reason: "bad data", requestedBy: "Ops" };
    const plain = restoreQuestion(facts, source, []);
    expect(plain).toContain(`snapshots taken by ${RUN} (data-sql, data-es)`);
    expect(plain).toContain("roll the release back to revision 3 (2024.12.02, chart 2.4.2)");
    expect(plain).not.toContain("moved on");
    const moved = restoreQuestion(facts, source, [revision(6)]);
    expect(moved).toContain("The release has moved on since");
    expect(moved).toContain("6 (2025.05.02, chart 2.5.0, deployed)");
    expect(restoreQuestion({ ...facts, reason: "x".repeat(5000) }, source, []).length).toBeLessThanOrEqual(2000);
  });
});

describe("the restore request and ids", () => {
  it("needs an upgrade's id and a reason", () => {
    expect(StartRestoreRequestSchema.safeParse({ runId: RUN, reason: "bad data" }).success).toBe(true);
    expect(StartRestoreRequestSchema.safeParse({ runId: RUN }).success).toBe(false);
    expect(StartRestoreRequestSchema.safeParse({ runId: RUN, reason: "   " }).success).toBe(false);
    expect(StartRestoreRequestSchema.safeParse({ runId: "lock-demo", reason: "x" }).success).toBe(false);
    expect(StartRestoreRequestSchema.safeParse({ runId: restoreRunId(RUN), reason: "x" }).success).toBe(false);
    expect(StartRestoreRequestSchema.safeParse({ runId: RUN, reason: "x", extra: 1 }).success).toBe(false);
  });

  it("names a restore after its run, read back without mistaking a cluster called restore-*", () => {
    const id = restoreRunId(RUN);
    expect(id).toBe(`${RUN}-restore`);
    expect(parseRunId(id)).toMatchObject({ cluster: "demo", restores: RUN });
    expect(parseRunId("restore-x-20260105t090000z-3f9a1c")).toEqual({
      cluster: "restore-x",
      root: "restore-x-20260105t090000z-3f9a1c",
    });
    expect(RestoreIdSchema.safeParse(id).success).toBe(true);
    expect(RestoreIdSchema.safeParse(RUN).success).toBe(false);
  });
});
