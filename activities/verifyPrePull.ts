/** Which of the target images each node holds, from its `status.images` (lib/workflow/prepull.ts verifyImages). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { verifyImages } from "../lib/workflow/prepull.js";

export const makeVerifyPrePull =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.verifyPrePull> =>
  async ({ cluster, images, nodes }) => {
    const facts = await (await deps.cluster(cluster).nodes()).facts();
    return verifyImages(facts.nodes, images, nodes);
  };
