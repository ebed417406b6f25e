/** Pods and init jobs of the CluedIn namespace, summarised (runbook: "check CluedIn pods"). */
import type { ServicesFactory } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeCheckPods =
  (services: ServicesFactory): ActivityHandler<typeof ACTIVITIES.checkPods> =>
  async ({ cluster }) => {
    const kube = await services().cluster(cluster).kube();
    return kube.podsSummary();
  };
