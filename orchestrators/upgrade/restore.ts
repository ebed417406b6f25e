/**
 * Restore from the snapshot set the run took before its first Helm change, on an operator's signed decision: when a
 * data upgrade halted (CluedIn may be in upgrade mode, its databases half migrated) or a basic upgrade failed after
 * its database jobs ran (`runDatabaseJobsOnUpgrade=true`). Stop CluedIn, keep the old disks (reclaim policy Retain),
 * recreate every claim from its snapshot, roll Helm back to the revision before the run, start CluedIn with the
 * replicas it had, check it. The run then ends `restored`. The same restore serves the stand-alone restore of a past
 * run's set (orchestrators/restore.ts). Also: retention of old sets after a successful run.
 */
import type { RunEnd } from "./run.js";
import { quiesceOrder } from "../../lib/workflow/snapshots.js";
import type { UpgradeMode } from "../../lib/workflow/model.js";
import { call, type Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import { transientRetry } from "../retry.js";
import { decide } from "./decisions.js";
import { describeError } from "./errors.js";
import { readRelease, rollback } from "./helm.js";
import type { Target, UpgradeRun } from "./run.js";
import { startWorkloads, stopWorkloads, type SnapshotSet } from "./snapshot.js";

export interface RestoreContext {
  target?: Target;
  begun?: UpgradeMode;
  snapshots?: SnapshotSet;
}

/** Whether the run's end calls for the offer: an upgrade (data or basic, whose database jobs ran) that failed or halted once begun. */
const restoreOffered = (ended: RunEnd, progress: RestoreContext): boolean =>
  progress.begun !== undefined && (ended.status === "halted" || ended.status === "failed");

/** Asks the operators whether to restore; the run's end stands as it was unless one chooses to. */
export function* offerRestore(run: UpgradeRun, progress: RestoreContext, ended: RunEnd): Flow<RunEnd> {
  const { target, snapshots: set } = progress;
  if (!target || !set || set.items.length === 0 || !restoreOffered(ended, progress)) return ended;
  run.record.status("halted");
  const answer = yield* decide(run, {
    kind: "restore",
    approvers: run.operators(),
    required: 1,
    deadlineMs: run.policy.decisionDeadlineMs,
    question:
      `The upgrade of ${run.cluster} (${run.policy.environment}) to ${target.plan.toRelease} ended ${ended.status}: ` +
      `${ended.reason}. Restore the ${set.items.length} volumes from the snapshots taken before the upgrade ` +
      `(${set.items[0]?.name ?? ""} ...) and roll the release back to revision ${target.source.revision} ` +
      `(${target.plan.fromRelease}, chart ${target.plan.fromChart})? CluedIn is stopped while it runs; data written ` +
      `since the snapshots is lost (the current disks are kept, not deleted).`,
  });
  if (answer.choice !== "restore") {
    run.record.status(ended.status);
    const why = answer.timedOut
      ? "no restore decision before the deadline: left as it is"
      : "restore not chosen: left as it is";
    run.record.event(`${why}: the snapshot set is kept`);
    return { ...ended, reason: `${ended.reason}; ${why} (snapshots kept)` };
  }
  run.record.status("running");
  const before = ended.reason;
  try {
    const point = {
      toRevision: target.source.revision,
      fromRelease: target.plan.fromRelease,
      fromChart: target.plan.fromChart,
    };
    const restored = yield* restoreFromSet(run, point, set);
    if (restored.ok)
      return {
        status: "restored",
        reason: `${before}; restored on an operator's decision: ${restored.summary}`,
      };
    return {
      status: "halted",
      reason: restored.stopped
        ? `${before}; restore incomplete: ${restored.summary}; an operator must check the cluster`
        : `${before}; the restore failed: ${restored.summary}; an operator must check the cluster`,
    };
  } catch (error) {
    return { status: "halted", reason: `${before}; the restore failed: ${describeError(error)}` };
  }
}

/** The release, chart and Helm revision a restore goes back to: the cluster as it was before the set's run. */
export interface RestorePoint {
  toRevision: number;
  fromRelease: string;
  fromChart: string;
}

/**
 * How a restore ended. `stopped` false: it failed before a claim was replaced or while the claims were being
 * recreated; true: the claims were restored and the rollback or the start failed.
 */
export type RestoreResult = { ok: true; summary: string } | { ok: false; stopped: boolean; summary: string };

/**
 * The restore itself, for a failed run's offer and for the stand-alone restore of a past run's set (one way to do
 * it): stop CluedIn, recreate every claim from its snapshot (the old disks kept), roll Helm back to `point`, start
 * the workloads the set's run stopped, check the release is on the old chart. Records the `restore` evidence.
 */
export function* restoreFromSet(run: UpgradeRun, point: RestorePoint, set: SnapshotSet): Flow<RestoreResult> {
  const claims = set.items.map((s) => ({
    pvc: s.pvc,
    snapshot: s.name,
    ...(s.restoreSize ? { restoreSize: s.restoreSize } : {}),
  }));
  run.record.startStage("restore", `${claims.length} volumes`);
  const fail = (why: string, retainedVolumes: string[] = []): RestoreResult => {
    run.record.restore({ claims, retainedVolumes, ok: false, summary: why });
    run.record.endStage("restore", "failed", why);
    return { ok: false, stopped: false, summary: why };
  };
  const workloads = yield* call(run.activities.listWorkloads, { cluster: run.cluster }, transientRetry);
  const stopped = yield* stopWorkloads(run, quiesceOrder(workloads.filter((w) => w.replicas > 0)));
  if (!stopped.ok) return fail(`CluedIn did not stop: ${stopped.summary}`);
  const restored = yield* call(run.activities.restoreClaims, { cluster: run.cluster, claims }, transientRetry);
  const watch = scheduleMonitor(run.deps.monitor, {
    cluster: run.cluster,
    check: { kind: "claims", names: claims.map((c) => c.pvc) },
    intervalMs: run.policy.pollIntervalMs,
    deadline: new Date(
      run.now.getTime() + (run.policy.snapshots?.deadlineMs ?? run.policy.podsReadyDeadlineMs),
    ).toISOString(),
  });
  yield watch.task;
  const bound = watch.result();
  if (!bound.ok) return fail(`claims not restored: ${bound.summary}`, restored.retained);
  run.record.endStage("restore", "succeeded", bound.summary);
  const { toRevision } = point;
  const rolledBack = yield* rollback(run, toRevision);
  const resumed = yield* startWorkloads(run, set.workloads);
  const release = yield* readRelease(run);
  const onOldChart = release.ok && release.last.status === "deployed" && release.last.chartVersion === point.fromChart;
  const ok = rolledBack && resumed.ok && onOldChart;
  const summary = `${claims.length} volumes restored from their snapshots (${bound.summary}); rollback to revision ${toRevision} ${rolledBack ? "done" : "failed"}; ${resumed.summary}`;
  run.record.restore({ claims, retainedVolumes: restored.retained, toRevision, ok, summary });
  run.record.event(summary);
  if (!ok) return { ok: false, stopped: true, summary };
  return {
    ok: true,
    summary: `${claims.length} volumes back from the snapshots taken before the upgrade, release rolled back to revision ${toRevision} (${point.fromRelease}, chart ${point.fromChart}); the replaced disks were kept (${restored.retained.length} volumes retained)`,
  };
}

/** Best effort, after a successful run that took a set: keeps the newest sets of the cluster, deletes older ones. */
export function* applyRetention(run: UpgradeRun, set: SnapshotSet | undefined): Flow<void> {
  const policy = run.policy.snapshots;
  if (!policy || !set) return;
  run.record.startStage("retention", `keep ${policy.retention} set(s)`);
  try {
    const result = yield* call(
      run.activities.applyRetention,
      { cluster: run.cluster, keep: policy.retention, protectRuns: [run.id] },
      transientRetry,
    );
    const removed = result.deleted.reduce((n, d) => n + d.names.length, 0);
    const summary = `${result.sets} set(s) on the cluster; ${result.deleted.length} old set(s) deleted (${removed} snapshots)${result.skipped.length ? `; ${result.skipped.length} kept: run not finished` : ""}`;
    run.record.retention({ keep: policy.retention, ...result, ok: true, summary });
    run.record.endStage("retention", "succeeded", summary);
  } catch (error) {
    const summary = `retention could not run: ${describeError(error)}`;
    run.record.retention({ keep: policy.retention, sets: 0, deleted: [], skipped: [], ok: false, summary });
    run.record.endStage("retention", "failed", summary);
  }
}
