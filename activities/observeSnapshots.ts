/** Each snapshot's readiness, restore size, error and content handle (the snapshot monitor's poll). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeObserveSnapshots =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.observeSnapshots> =>
  async ({ cluster, names }) =>
    (await deps.cluster(cluster).volumes()).observeSnapshots(names);
