/**
 * One upgrade at a time per cluster. The lock is an orchestration with a fixed instance id per cluster
 * (`lock-<cluster>`); the upgrade runs as its sub-orchestration under its own unique id, so starting a second
 * upgrade while one runs collides on the lock's id (409) and no run's history is ever overwritten.
 */
import type { OrchestrationContext, OrchestrationHandler, RegisteredOrchestration, Task } from "durable-functions";
import { UpgradeInputSchema } from "../lib/workflow/contracts.js";
import type { UpgradeOutcome } from "./upgrade.js";

export const lockInstanceId = (cluster: string): string => `lock-${cluster}`;

export interface ClusterLockOutput {
  runId: string;
  status: UpgradeOutcome["status"];
}

export function makeClusterLockOrchestrator(upgrade: () => RegisteredOrchestration): OrchestrationHandler {
  return function* clusterLock(context: OrchestrationContext): Generator<Task, ClusterLockOutput, unknown> {
    const input = UpgradeInputSchema.parse(context.df.getInput());
    const outcome = (yield upgrade()(input, input.runId)) as UpgradeOutcome;
    return { runId: input.runId, status: outcome.status };
  };
}
