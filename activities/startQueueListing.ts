/**
 * Runbook: "Check CluedIn queues". Starts `rabbitmqctl list_queues` inside the broker's pod through the cluster's
 * command runner; the orchestration polls the command and reads the depths from its output.
 */
import { rabbitmqListQueuesArgs } from "../lib/clients/helm.js";
import { toShellLine } from "../lib/clients/shell.js";
import type { StartCommandResult } from "../lib/workflow/contracts.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const RABBITMQ_POD = "cluedin-rabbitmq-0";

export const makeStartQueueListing =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<StartCommandResult> => {
    const { cluster } = ClusterRefSchema.parse(input);
    const clients = services().cluster(cluster);
    const command = rabbitmqListQueuesArgs({ namespace: clients.target.namespace, pod: RABBITMQ_POD });
    const handle = await clients.runner.start([command], []);
    return { ok: true, handle, command: toShellLine([command]), resumed: false };
  };
