/** Sets each workload's replicas, in the order given (a retry sets the same counts again: idempotent). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeScaleWorkloads =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.scaleWorkloads> =>
  async ({ cluster, targets }) => {
    const volumes = await deps.cluster(cluster).volumes();
    for (const target of targets) await volumes.scale(target.kind, target.name, target.replicas);
    return { scaled: targets.length };
  };
