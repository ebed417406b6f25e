/** Each restored claim's phase and the snapshot it was made from (the restore monitor's poll). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeObserveClaims =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.observeClaims> =>
  async ({ cluster, names }) =>
    (await deps.cluster(cluster).volumes()).observeClaims(names);
