/** Creates the run's image pre-pull DaemonSet (lib/workflow/prepull.ts); a retried start finds it made. */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { prePullDaemonSet, prePullName } from "../lib/workflow/prepull.js";

export const makeStartPrePull =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.startPrePull> =>
  async ({ cluster, runId, images, nodes }) => {
    const clients = deps.cluster(cluster);
    const name = prePullName(runId);
    const body = prePullDaemonSet({ name, namespace: clients.target.namespace, runId, images, nodes });
    const { created } = await (await clients.nodes()).createDaemonSet(body);
    return { name, created };
  };
