/** Deletes the run's pre-pull DaemonSet and its pods; already gone is fine. */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeDeletePrePull =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.deletePrePull> =>
  async ({ cluster, name }) =>
    (await deps.cluster(cluster).nodes()).deleteDaemonSet(name);
