/** The run's VolumeSnapshotClass, created when the cluster has none of that name. */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeEnsureSnapshotClass =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.ensureSnapshotClass> =>
  async ({ cluster, name }) =>
    (await deps.cluster(cluster).volumes()).ensureSnapshotClass(name);
