/**
 * One cluster of a wave: its upgrade under the cluster's lock (the same `lock-<cluster>` orchestration a single
 * upgrade takes, so a wave and a single start never run on one cluster at once), under a run id fixed by the wave.
 * Its end is raised on the stage as an event (orchestrators/fleet/stage.ts says why) before it returns.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import {
  WAVE_CLUSTER_DONE_EVENT,
  WaveClusterInputSchema,
  type ClusterDone,
  type FLEET_ACTIVITIES,
  type WaveClusterInput,
} from "../../lib/fleet/contracts.js";
import type { Activity } from "../../lib/workflow/activities.js";
import type { InputOf, ResultOf } from "../../lib/workflow/definition.js";
import type { UpgradeInput } from "../../lib/workflow/contracts.js";
import type { ClusterLockOutput, Orchestration, ORCHESTRATIONS } from "../../lib/workflow/orchestrations.js";
import { call, callChild, type Flow } from "../calls.js";
import { lockInstanceId } from "../clusterLock.js";
import { describeError } from "../upgrade/errors.js";

type Defs = typeof FLEET_ACTIVITIES;
export type FleetActivities = {
  [K in keyof Defs]: Activity<Defs[K]["input"], ResultOf<Defs[K]>>;
};
export type FleetActivityInput<K extends keyof Defs> = InputOf<Defs[K]>;

export interface WaveClusterDeps {
  activities: FleetActivities;
  clusterLock: () => Orchestration<(typeof ORCHESTRATIONS.clusterLock)["input"], ClusterLockOutput>;
}

const REPORT_RETRY = new df.RetryOptions(5_000, 5);

/** Raises `event` on `instanceId` (a parent that waits on events, not on this child's task). */
export function* report(activities: FleetActivities, instanceId: string, event: string, data: unknown): Flow<void> {
  yield* call(activities.raiseWaveEvent, { instanceId, event, data }, REPORT_RETRY);
}

/** How often a cluster busy with another upgrade is tried again when the strategy says wait. */
const BUSY_RETRY_MS = 5 * 60_000;
/** A lock that stays busy a day is reported rather than waited for forever. */
const BUSY_TRIES = 288;

/** The host refuses a sub-orchestration whose id runs already ("An Orchestration instance ... already exists"). */
const isBusy = (error: unknown): boolean => /already exists/i.test(describeError(error));

type Ending = (state: ClusterDone["state"], status: string, reason: string) => ClusterDone;

function* runCluster(context: OrchestrationContext, deps: WaveClusterDeps, input: WaveClusterInput, done: Ending) {
  const prepared = yield* call(deps.activities.prepareWaveRun, {
    cluster: input.cluster,
    targetRelease: input.targetRelease,
  });
  if (!prepared.ok) return done("failed", "failed", prepared.reason);
  const upgrade: UpgradeInput = {
    runId: input.runId,
    cluster: input.cluster,
    targetRelease: input.targetRelease,
    requestedBy: input.requestedBy,
    requestedAt: input.requestedAt,
    allowChain: false,
    policy: prepared.policy,
    ...(input.approval ? { preApproved: input.approval } : {}),
  };
  for (let tries = 1; ; tries++) {
    try {
      const outcome = yield* callChild(deps.clusterLock(), upgrade, lockInstanceId(input.cluster));
      const state = outcome.status === "completed" ? "succeeded" : "failed";
      return done(state, outcome.status, `upgrade ${outcome.runId} ${outcome.status}`);
    } catch (error) {
      if (!isBusy(error)) return done("failed", "failed", describeError(error));
      if (input.busyCluster === "report" || tries >= BUSY_TRIES)
        return done("failed", "busy", `${input.cluster} is busy with another upgrade`);
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + BUSY_RETRY_MS));
    }
  }
}

export function makeWaveClusterOrchestrator(deps: WaveClusterDeps): OrchestrationHandler {
  return function* waveCluster(context: OrchestrationContext): Flow<ClusterDone> {
    const input = WaveClusterInputSchema.parse(context.df.getInput());
    const done: Ending = (state, status, reason) => ({
      cluster: input.cluster,
      state,
      runId: input.runId,
      status,
      reason: reason.slice(0, 300),
    });
    let ended: ClusterDone;
    try {
      ended = yield* runCluster(context, deps, input, done);
    } catch (error) {
      // The stage waits for this cluster's report: an unexpected failure must still send one.
      ended = done("failed", "failed", describeError(error));
    }
    yield* report(deps.activities, input.stageInstance, WAVE_CLUSTER_DONE_EVENT, ended);
    return ended;
  };
}
