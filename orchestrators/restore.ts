/**
 * The stand-alone restore of a past run's snapshot set (`POST /api/restores`), under the cluster's lock like an
 * upgrade: check that the cluster still has the set ready and read where the release is now, ask the cluster's
 * approvers (the same signed e-mailed approval, quorum and self-approval rule as an upgrade) showing the set, the
 * revision it rolls back to and any revisions made since, then run the one restore the upgrade offers
 * (orchestrators/upgrade/restore.ts). Ends `restored`, `rejected` or `failed`, told and archived like a run.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { UpgradeOutcome } from "../lib/workflow/orchestrations.js";
import {
  missingSnapshots,
  movedOnText,
  restoreQuestion,
  revisionsSince,
  RestoreInputSchema,
  setLines,
  type RestoreInput,
  type RestoreSource,
} from "../lib/workflow/restores.js";
import { call, type Flow } from "./calls.js";
import { transientRetry } from "./retry.js";
import { decide, notApproved } from "./upgrade/decisions.js";
import { describeError } from "./upgrade/errors.js";
import { finish } from "./upgrade/finish.js";
import { readRelease } from "./upgrade/helm.js";
import { restoreFromSet } from "./upgrade/restore.js";
import { end, go, UpgradeRun, type RunEnd, type Step, type UpgradeDeps } from "./upgrade/run.js";

/** The set is still on the cluster and ready; the release is read, and what it did since the run is recorded. */
function* checkSet(run: UpgradeRun, request: RestoreInput["restore"]): Flow<Step<string>> {
  const { source } = request;
  run.record.startStage("pre-checks", "snapshot set and release");
  const seen = yield* call(
    run.activities.observeSnapshots,
    { cluster: run.cluster, names: source.set.map((s) => s.name) },
    transientRetry,
  );
  const missing = missingSnapshots(source, seen);
  if (missing.length > 0) {
    const why = `the snapshot set of ${source.runId} is no longer on the cluster ready to use (${missing.join(", ")})`;
    run.record.endStage("pre-checks", "failed", why);
    return end("failed", `${why}; nothing changed`);
  }
  const release = yield* readRelease(run);
  if (!release.ok) {
    run.record.endStage("pre-checks", "failed", release.reason);
    return end("failed", `the release could not be read: ${release.reason}; nothing changed`);
  }
  if (release.deployed) run.record.source(release.deployed);
  const newer = revisionsSince(source, release.history);
  run.record.restoreOf({
    runId: source.runId,
    reason: request.reason,
    toRevision: source.toRevision,
    fromRelease: source.fromRelease,
    fromChart: source.fromChart,
    set: source.set,
    revisionsSince: newer,
  });
  const moved = movedOnText(source, newer);
  if (moved) run.record.event(moved);
  run.record.endStage(
    "pre-checks",
    "succeeded",
    `${source.set.length} snapshots ready; release at revision ${release.last.revision}` +
      (newer.length ? `, ${newer.length} revision(s) since ${source.runId}` : ""),
  );
  return go(moved);
}

function* approve(run: UpgradeRun, request: RestoreInput["restore"], moved: string): Flow<Step<void>> {
  const { source } = request;
  run.record.startStage("approval");
  const newer = run.record.evidence.restoreOf?.revisionsSince ?? [];
  const answer = yield* decide(run, {
    kind: "approval",
    approvers: run.policy.approvers,
    required: run.policy.requiredApprovals,
    deadlineMs: run.policy.approvalDeadlineMs,
    question: restoreQuestion({ ...run.facts, reason: request.reason, requestedBy: run.requester }, source, newer),
    commands: [
      ...setLines(source),
      `helm rollback to revision ${source.toRevision} (${source.fromRelease}, chart ${source.fromChart})`,
      ...(moved ? [moved] : []),
    ],
  });
  if (answer.choice === "approve") {
    run.record.endStage("approval", "succeeded", "approved");
    return go(undefined);
  }
  const { status, why } = notApproved(answer);
  run.record.endStage("approval", "failed", why);
  return end(status, `restore ${why}; nothing changed, the snapshot set is kept`);
}

function* restoreRunbook(run: UpgradeRun, request: RestoreInput["restore"]): Flow<RunEnd> {
  const { source } = request;
  run.record.event(`restore of the snapshot set of ${source.runId} asked by ${run.requester}: ${request.reason}`);
  const checked = yield* checkSet(run, request);
  if (!checked.go) return checked.end;
  const approved = yield* approve(run, request, checked.value);
  if (!approved.go) return approved.end;
  const restored = yield* restoreFromSet(run, source, setOf(source));
  if (restored.ok)
    return { status: "restored", reason: `restored from the snapshots of ${source.runId}: ${restored.summary}` };
  return {
    status: "failed",
    reason: `the restore from the snapshots of ${source.runId} failed: ${restored.summary}; an operator must check the cluster`,
  };
}

const setOf = (source: RestoreSource) => ({
  items: source.set.map(({ name, pvc, restoreSize }) => ({ name, pvc, ...(restoreSize ? { restoreSize } : {}) })),
  workloads: source.workloads,
});

export function makeRestoreOrchestrator(deps: UpgradeDeps): OrchestrationHandler {
  return function* restore(context: OrchestrationContext): Flow<UpgradeOutcome> {
    const input = RestoreInputSchema.parse(context.df.getInput());
    const run = new UpgradeRun(context, deps, input, input.restore.source.runId);
    let ended: RunEnd;
    try {
      ended = yield* restoreRunbook(run, input.restore);
    } catch (error) {
      // An API down for minutes: once the restore stage began, CluedIn may be stopped or half restored.
      const begun = run.record.current.stages.some((s) => s.name === "restore");
      ended = {
        status: "failed",
        reason:
          `${run.record.current.stage ?? "the restore"} could not complete: ${describeError(error)}` +
          (begun
            ? "; CluedIn may be stopped or half restored: an operator must check the cluster"
            : "; nothing changed"),
      };
    }
    return yield* finish(run, ended);
  };
}
