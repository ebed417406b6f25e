/** Pods and init jobs of the CluedIn namespace, summarised (runbook: "check CluedIn pods"). */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeCheckPods =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.checkPods> =>
  async ({ cluster }) => {
    const kube = await deps.cluster(cluster).kube();
    return kube.podsSummary();
  };
