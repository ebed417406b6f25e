/**
 * One CluedIn upgrade, as the runbook "Perform the upgrade" describes it: read the current Helm user values,
 * prepare the new ones, run the pre-checks, get approval, wait for the maintenance window, announce the downtime,
 * run the Helm upgrade (basic, or with the data upgrade) and verify, then notify. Every run ends in a named state;
 * none leaves the cluster silently in upgrade mode.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { UpgradeInputSchema } from "../../lib/workflow/contracts.js";
import type { UpgradeMode } from "../../lib/workflow/model.js";
import type { UpgradeOutcome } from "../../lib/workflow/orchestrations.js";
import type { PastDurations } from "../../lib/workflow/polling.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { transientRetry } from "../retry.js";
import { announceDowntime, getApproval, waitForMaintenanceWindow } from "./approval.js";
import { afterBasicFailure, basicUpgrade } from "./basicUpgrade.js";
import { upgradeThroughChain } from "./chain.js";
import { dataUpgrade } from "./dataUpgrade.js";
import { describeError } from "./errors.js";
import { finish } from "./finish.js";
import { watchOverrun } from "./overrun.js";
import { prepareNewValues } from "./prepareValues.js";
import { checkNodes, prePullImages } from "./prePull.js";
import { runProcedure, stepsOf } from "./procedure.js";
import { runPreChecks } from "./preChecks.js";
import { readCurrentValues } from "./readValues.js";
import { applyRetention, offerRestore } from "./restore.js";
import { inventoryVolumes, takeSnapshots, type SnapshotSet } from "./snapshot.js";
import { UpgradeRun, type RunEnd, type Target, type UpgradeDeps } from "./run.js";

export type { UpgradeDeps } from "./run.js";

/** How far the run got: the safety net needs to know what the cluster may look like. */
interface Progress {
  target?: Target;
  /** Which Helm upgrade has begun (the point of no return): its mode's failure policy then applies. */
  begun?: UpgradeMode;
  /** The release page's steps before the Helm upgrade have begun: the cluster may have changed. */
  stepsBegun?: boolean;
  /** The snapshot set taken before the first Helm change: a failed upgrade may be restored from it. */
  snapshots?: SnapshotSet;
}

function* runbook(run: UpgradeRun, progress: Progress): Flow<RunEnd> {
  const source = yield* readCurrentValues(run);
  if (!source.go) return source.end;

  const prepared = yield* prepareNewValues(run, source.value);
  if (!prepared.go) return prepared.end;
  const { chain, ...prepare } = prepared.value;
  let target: Target = prepare;
  progress.target = target;
  if (chain) return yield* upgradeThroughChain(run, chain);

  const checked = yield* runPreChecks(run, target);
  if (!checked.go) return checked.end;

  const inventoried = yield* inventoryVolumes(run, target);
  if (!inventoried.go) return inventoried.end;
  target = progress.target = inventoried.value;

  const nodesChecked = yield* checkNodes(run, target);
  if (!nodesChecked.go) return nodesChecked.end;
  target = progress.target = nodesChecked.value;

  const approved = yield* getApproval(run, target);
  if (!approved.go) return approved.end;

  const prePulled = yield* prePullImages(run, target, approved.value);
  if (!prePulled.go) return prePulled.end;

  const windowOpen = yield* waitForMaintenanceWindow(run, target, approved.value);
  if (!windowOpen.go) return windowOpen.end;

  const announced = yield* announceDowntime(run, target);
  if (!announced.go) return announced.end;

  const snapped = yield* takeSnapshots(run, target);
  if (!snapped.go) return snapped.end;
  if (snapped.value) progress.snapshots = snapped.value;

  if (stepsOf(run, target, "beforeHelm").length > 0) {
    progress.stepsBegun = true;
    const before = yield* runProcedure(run, target, "beforeHelm");
    if (!before.ok) return { status: "failed", reason: `${before.summary}; the Helm upgrade was not started` };
    if (run.cancelRequested)
      return {
        status: "cancelled",
        reason: `cancelled by ${run.cancelledBy()} before the Helm upgrade, after the release page's steps ${before.done.join(", ")}`,
      };
  }

  if (startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.adaptivePolling))
    run.past = yield* readPastRuns(run, target);
  progress.begun = target.plan.mode;
  const stage = target.plan.mode === "basic" ? basicUpgrade(run, target) : dataUpgrade(run, target);
  return yield* watchOverrun(run, target, stage);
}

/**
 * The safety net: an activity that still fails after its retries (an API down for minutes) must not end the run
 * without a named state. Before the point of no return nothing changed; after a basic upgrade began the failure
 * policy applies; once a data upgrade began the run halts and says CluedIn may be in upgrade mode.
 */
function* afterUnexpectedFailure(run: UpgradeRun, progress: Progress, error: unknown): Flow<RunEnd> {
  const what = `${run.record.current.stage ?? "the run"} could not complete: ${describeError(error)}`;
  try {
    if (progress.begun === "data-upgrade")
      return { status: "halted", reason: `${what}; CluedIn may be left in upgrade mode: an operator must check it` };
    if (progress.begun === "basic" && progress.target)
      return yield* afterBasicFailure(run, progress.target.source.revision, what);
    if (progress.stepsBegun)
      return { status: "failed", reason: `${what}; the release page's steps before the Helm upgrade may have run` };
    return { status: "failed", reason: `${what}; nothing changed on the cluster` };
  } catch (again) {
    return {
      status: progress.begun === "data-upgrade" ? "halted" : "failed",
      reason: `${what}; then: ${describeError(again)}`,
    };
  }
}

export function makeUpgradeOrchestrator(deps: UpgradeDeps): OrchestrationHandler {
  return function* upgrade(context: OrchestrationContext): Flow<UpgradeOutcome> {
    const run = new UpgradeRun(context, deps, UpgradeInputSchema.parse(context.df.getInput()));
    const progress: Progress = {};
    let ended: RunEnd;
    try {
      ended = yield* runbook(run, progress);
    } catch (error) {
      ended = yield* afterUnexpectedFailure(run, progress, error);
    }
    ended = yield* offerRestore(run, progress, ended);
    if (ended.status === "completed") yield* applyRetention(run, progress.snapshots);
    return yield* finish(run, ended, progress.target);
  };
}

/** This cluster's previous runs of the same kind; none when the archive cannot be read (the runbook's figures apply). */
function* readPastRuns(run: UpgradeRun, target: Target): Flow<PastDurations | undefined> {
  const { mode, dataUpgrade } = target.plan;
  try {
    const past = yield* call(
      run.activities.readPastRuns,
      { cluster: run.cluster, mode, ...(dataUpgrade.kind !== "none" ? { toVersion: dataUpgrade.toVersion } : {}) },
      transientRetry,
    );
    if (past.runs > 0) run.record.event(`polling paced by ${past.runs} previous ${mode} run(s) of this cluster`);
    return past.runs > 0 ? past : undefined;
  } catch (error) {
    run.record.event(`previous runs not read (${describeError(error)}): polling paced by the runbook's figures`);
    return undefined;
  }
}
