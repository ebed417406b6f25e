/**
 * One upgrade at a time per cluster. The lock is an orchestration with a fixed instance id per cluster
 * (`lock-<cluster>`); the upgrade runs as its sub-orchestration under its own unique id, so starting a second
 * upgrade while one runs collides on the lock's id (409) and no run's history is ever overwritten.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { UpgradeInputSchema } from "../lib/workflow/contracts.js";
import type {
  ClusterLockOutput,
  Orchestration,
  ORCHESTRATIONS,
  UpgradeOutcome,
} from "../lib/workflow/orchestrations.js";
import { callChild, type Flow } from "./calls.js";

export const lockInstanceId = (cluster: string): string => `lock-${cluster}`;

type Upgrade = Orchestration<(typeof ORCHESTRATIONS.upgrade)["input"], UpgradeOutcome>;

export function makeClusterLockOrchestrator(upgrade: () => Upgrade): OrchestrationHandler {
  return function* clusterLock(context: OrchestrationContext): Flow<ClusterLockOutput> {
    const input = UpgradeInputSchema.parse(context.df.getInput());
    const outcome = yield* callChild(upgrade(), input, input.runId);
    return { runId: input.runId, status: outcome.status };
  };
}
