/** The pre-pull DaemonSet's counters and each pod's state (the pre-pull monitor's poll). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeObservePrePull =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.observePrePull> =>
  async ({ cluster, name }) =>
    (await deps.cluster(cluster).nodes()).observeDaemonSet(name);
