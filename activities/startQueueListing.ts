/**
 * Runbook: "Check CluedIn queues". Starts `rabbitmqctl list_queues` inside the broker's pod through the cluster's
 * command runner; the orchestration polls the command and reads the depths from its output.
 */
import { rabbitmqListQueuesArgs } from "../lib/clients/helm.js";
import { toShellLine } from "../lib/clients/shell.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

const RABBITMQ_POD = "cluedin-rabbitmq-0";

export const makeStartQueueListing =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.startQueueListing> =>
  async ({ cluster }) => {
    const clients = deps.cluster(cluster);
    const command = rabbitmqListQueuesArgs({ namespace: clients.target.namespace, pod: RABBITMQ_POD });
    const handle = await clients.runner.start([command], []);
    return { ok: true, handle, command: toShellLine([command]), resumed: false };
  };
