/** Every claim of the CluedIn namespace with its storage class's driver, and the cluster's snapshot classes. */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeInventoryVolumes =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.inventoryVolumes> =>
  async ({ cluster }) =>
    (await deps.cluster(cluster).volumes()).inventory();
