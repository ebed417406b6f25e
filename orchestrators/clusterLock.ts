/**
 * One change at a time per cluster. The lock is an orchestration with a fixed instance id per cluster
 * (`lock-<cluster>`); the upgrade, or the stand-alone restore of a past run's set, runs as its sub-orchestration
 * under its own id, so starting a second one while one runs collides on the lock's id (409) and no run's history is
 * ever overwritten.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import {
  LockInputSchema,
  type ClusterLockOutput,
  type Orchestration,
  type ORCHESTRATIONS,
  type UpgradeOutcome,
} from "../lib/workflow/orchestrations.js";
import { callChild, type Flow } from "./calls.js";

export const lockInstanceId = (cluster: string): string => `lock-${cluster}`;

type Upgrade = Orchestration<(typeof ORCHESTRATIONS.upgrade)["input"], UpgradeOutcome>;
type Restore = Orchestration<(typeof ORCHESTRATIONS.restore)["input"], UpgradeOutcome>;

export function makeClusterLockOrchestrator(upgrade: () => Upgrade, restore: () => Restore): OrchestrationHandler {
  return function* clusterLock(context: OrchestrationContext): Flow<ClusterLockOutput> {
    const input = LockInputSchema.parse(context.df.getInput());
    const outcome =
      "restore" in input
        ? yield* callChild(restore(), input, input.runId)
        : yield* callChild(upgrade(), input, input.runId);
    return { runId: input.runId, status: outcome.status };
  };
}
