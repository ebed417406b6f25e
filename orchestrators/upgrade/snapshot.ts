/**
 * Runbook: "Before any upgrade takes place, ensure you have taken a snapshot or backup of all your running PVCs"
 * (every CluedIn release page). Two steps: the volume inventory after the pre-checks (an uncovered claim blocks the
 * run unless the profile waives it; the approval page shows the set), and the snapshot stage before the first Helm
 * change: stop CluedIn (Deployments, then StatefulSets) so that the disks are consistent together (Azure disk
 * snapshots of several disks are not crash-consistent with each other), snapshot every covered claim, wait until the
 * set is ready, start CluedIn again. A stage that fails ends the run `failed` with CluedIn as it was: nothing of
 * CluedIn has changed before the Helm upgrade.
 */
import type { SnapshotEvidence } from "../../lib/workflow/evidence.js";
import {
  decideCoverage,
  quiesceOrder,
  snapshotName,
  snapshotsWanted,
  type CoverageDecision,
  type SnapshotObservation,
  type WorkloadScale,
} from "../../lib/workflow/snapshots.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import { transientRetry } from "../retry.js";
import { describeError } from "./errors.js";
import { end, go, type Step, type Target, type UpgradeRun } from "./run.js";
import { watchPods } from "./pods.js";

/** The set a run took: what a restore recreates, and the workloads (with replicas) it stopped. */
export interface SnapshotSet {
  items: { name: string; pvc: string; restoreSize?: string }[];
  workloads: WorkloadScale[];
}

/** Whether this run takes snapshots: a run started by 2.2 or later whose policy asks for them for its mode. */
export function takesSnapshots(run: UpgradeRun, target: Target): boolean {
  return (
    startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.volumeSnapshots) &&
    snapshotsWanted(run.policy.snapshots, target.plan.mode)
  );
}

const coverageOf = (decision: CoverageDecision): NonNullable<Target["plan"]["snapshots"]> => ({
  className: decision.className,
  covered: decision.claims.flatMap((c) => (c.covered ? [{ pvc: c.pvc, ...(c.size ? { size: c.size } : {}) }] : [])),
  uncovered: decision.claims.flatMap((c) => (c.covered ? [] : [{ pvc: c.pvc, reason: c.reason, waived: c.waived }])),
});

/** The inventory pre-check: the target's plan gains the snapshot coverage, or the run ends on an uncovered claim. */
export function* inventoryVolumes(run: UpgradeRun, target: Target): Flow<Step<Target>> {
  const policy = run.policy.snapshots;
  if (!policy || !takesSnapshots(run, target)) return go(target);
  const inventory = yield* call(run.activities.inventoryVolumes, { cluster: run.cluster }, transientRetry);
  const decision = decideCoverage(inventory, policy);
  const coverage = coverageOf(decision);
  run.record.event(
    `volumes: ${coverage.covered.length} claim(s) to snapshot with ${decision.className}` +
      (coverage.uncovered.length ? `; not covered: ${coverage.uncovered.map((u) => u.pvc).join(", ")}` : ""),
  );
  if (decision.blockers.length > 0) {
    const why = coverage.uncovered
      .filter((u) => !u.waived)
      .map((u) => `${u.pvc} (${u.reason})`)
      .join("; ");
    return end("failed", `no snapshot can be taken of ${why}; waive them in the profile (snapshotWaivers) or fix them`);
  }
  const plan = { ...target.plan, snapshots: coverage };
  run.record.plan(plan);
  return go({ ...target, plan });
}

/** The snapshot stage. Undefined set when the run takes none. */
export function* takeSnapshots(run: UpgradeRun, target: Target): Flow<Step<SnapshotSet | undefined>> {
  const policy = run.policy.snapshots;
  const coverage = target.plan.snapshots;
  if (!policy || !coverage || !takesSnapshots(run, target)) return go(undefined);
  run.record.startStage("snapshot", `${coverage.covered.length} volumes`);
  const evidence: SnapshotEvidence = {
    className: coverage.className,
    coverage: [
      ...coverage.covered.map((c) => ({ pvc: c.pvc, covered: true, ...(c.size ? { size: c.size } : {}) })),
      ...coverage.uncovered.map((u) => ({ pvc: u.pvc, covered: false, waived: u.waived, reason: u.reason })),
    ],
    quiesced: [],
    set: coverage.covered.map((c) => ({ name: snapshotName(run.id, c.pvc), pvc: c.pvc })),
    ok: false,
    summary: "started",
    startedAt: run.now.toISOString(),
  };
  const record = (patch: Partial<SnapshotEvidence>): void => {
    Object.assign(evidence, patch);
    run.record.snapshots({ ...evidence });
  };
  let stopped: WorkloadScale[] = [];
  try {
    if (!policy.className) {
      const ensured = yield* call(
        run.activities.ensureSnapshotClass,
        { cluster: run.cluster, name: coverage.className },
        transientRetry,
      );
      record({ classCreated: ensured.created });
    }
    // Remembered in the evidence (and in history, through the activity's result) before anything is stopped.
    const workloads = yield* call(run.activities.listWorkloads, { cluster: run.cluster }, transientRetry);
    stopped = quiesceOrder(workloads.filter((w) => w.replicas > 0));
    record({ quiesced: stopped.map(({ kind, name, replicas }) => ({ kind, name, replicas })) });
    const quiet = yield* stopWorkloads(run, stopped);
    if (!quiet.ok) return yield* failStage(run, stopped, evidence, record, `CluedIn did not stop: ${quiet.summary}`);

    const made = yield* call(
      run.activities.createSnapshots,
      { cluster: run.cluster, runId: run.id, className: coverage.className, set: evidence.set },
      transientRetry,
    );
    run.record.event(`snapshots requested: ${made.filter((m) => m.created).length} new, ${made.length} in all`);
    const watch = scheduleMonitor(run.deps.monitor, {
      cluster: run.cluster,
      check: { kind: "snapshots", names: evidence.set.map((s) => s.name) },
      intervalMs: run.policy.pollIntervalMs,
      deadline: new Date(run.now.getTime() + policy.deadlineMs).toISOString(),
    });
    yield watch.task;
    const watched = watch.result();
    record({ set: mergeObservations(evidence.set, watched.observation ?? [], run.now) });
    if (!watched.ok) {
      const why = watched.timedOut
        ? `the snapshots were not ready within ${Math.round(policy.deadlineMs / 60_000)} min (${watched.summary})`
        : watched.summary;
      return yield* failStage(run, stopped, evidence, record, why);
    }
    const resumed = yield* startWorkloads(run, stopped);
    if (!resumed.ok)
      return yield* failStage(
        run,
        [],
        evidence,
        record,
        `CluedIn did not come back after the snapshots: ${resumed.summary}`,
      );
    record({ ok: true, summary: watched.summary, endedAt: run.now.toISOString() });
    run.record.endStage("snapshot", "succeeded", `${watched.summary} (${coverage.className})`);
    return go({
      items: evidence.set.map((s) => ({
        name: s.name,
        pvc: s.pvc,
        ...(s.restoreSize ? { restoreSize: s.restoreSize } : {}),
      })),
      workloads: stopped,
    });
  } catch (error) {
    // An API down for minutes: CluedIn must not be left stopped. Start it, then let the safety net end the run.
    if (stopped.length > 0) yield* startWorkloads(run, stopped);
    throw error;
  }
}

function mergeObservations(
  set: SnapshotEvidence["set"],
  seen: readonly SnapshotObservation[],
  now: Date,
): SnapshotEvidence["set"] {
  return set.map((item) => {
    const s = seen.find((o) => o.name === item.name);
    if (!s) return item;
    return {
      ...item,
      ...(s.restoreSize ? { restoreSize: s.restoreSize } : {}),
      ...(s.readyToUse ? { readyAt: now.toISOString() } : {}),
      ...(s.content ? { content: s.content } : {}),
      ...(s.handle ? { handle: s.handle } : {}),
      ...(s.error ? { error: s.error } : {}),
    };
  });
}

/** Ends the stage failed before the point of no return: CluedIn started again, the run's snapshots deleted if asked. */
function* failStage(
  run: UpgradeRun,
  stopped: WorkloadScale[],
  evidence: SnapshotEvidence,
  record: (patch: Partial<SnapshotEvidence>) => void,
  why: string,
): Flow<Step<never>> {
  let resumed = "";
  if (stopped.length > 0) {
    const back = yield* startWorkloads(run, stopped);
    resumed = back.ok
      ? "; CluedIn was started again"
      : `; CluedIn was started again but is not healthy: ${back.summary}`;
  }
  if (run.policy.snapshots?.deleteOnFailure) {
    const gone = yield* call(
      run.activities.deleteSnapshots,
      { cluster: run.cluster, names: evidence.set.map((s) => s.name) },
      transientRetry,
    );
    record({ deleted: gone.deleted });
  }
  record({ ok: false, summary: why, endedAt: run.now.toISOString() });
  run.record.endStage("snapshot", "failed", why);
  return end("failed", `snapshot stage failed: ${why}${resumed}; the Helm release was not changed`);
}

/** Scales the workloads to zero in order (Deployments, then StatefulSets) and waits until their pods are gone. */
export function* stopWorkloads(run: UpgradeRun, workloads: WorkloadScale[]): Flow<{ ok: boolean; summary: string }> {
  for (const kind of ["Deployment", "StatefulSet"] as const) {
    const targets = workloads.filter((w) => w.kind === kind).map((w) => ({ kind, name: w.name, replicas: 0 }));
    if (targets.length) yield* call(run.activities.scaleWorkloads, { cluster: run.cluster, targets }, transientRetry);
  }
  const watch = scheduleMonitor(run.deps.monitor, {
    cluster: run.cluster,
    check: { kind: "quiesced", names: workloads.map((w) => w.name) },
    intervalMs: run.policy.pollIntervalMs,
    deadline: new Date(run.now.getTime() + run.policy.podsReadyDeadlineMs).toISOString(),
  });
  yield watch.task;
  return watch.result();
}

/** Scales the workloads back to their remembered replicas (StatefulSets first) and waits for healthy pods. */
export function* startWorkloads(run: UpgradeRun, workloads: WorkloadScale[]): Flow<{ ok: boolean; summary: string }> {
  try {
    for (const kind of ["StatefulSet", "Deployment"] as const) {
      const targets = workloads
        .filter((w) => w.kind === kind)
        .map((w) => ({ kind, name: w.name, replicas: w.replicas }));
      if (targets.length) yield* call(run.activities.scaleWorkloads, { cluster: run.cluster, targets }, transientRetry);
    }
    return yield* watchPods(run, run.policy.podsReadyDeadlineMs);
  } catch (error) {
    return { ok: false, summary: describeError(error) };
  }
}
