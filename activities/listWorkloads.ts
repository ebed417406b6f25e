/** The namespace's Deployments and StatefulSets with their replicas and running pods (quiesce and resume). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeListWorkloads =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.listWorkloads> =>
  async ({ cluster }) =>
    (await deps.cluster(cluster).volumes()).workloads();
