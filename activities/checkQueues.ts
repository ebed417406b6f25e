/**
 * RabbitMQ queue depths, read with `rabbitmqctl list_queues` inside the broker's pod through the cluster's command
 * runner (runbook: "check CluedIn queues"). The command is short, so it is started and polled within this activity.
 */
import { parseRabbitmqQueues, rabbitmqListQueuesArgs } from "../lib/clients/helm.js";
import type { CheckQueuesResult } from "../lib/workflow/contracts.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";
import { runToCompletion } from "./commands.js";

const RABBITMQ_POD = "cluedin-rabbitmq-0";

export const makeCheckQueues =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<CheckQueuesResult> => {
    const { cluster } = ClusterRefSchema.parse(input);
    const clients = services().cluster(cluster);
    const args = rabbitmqListQueuesArgs({ namespace: clients.target.namespace, pod: RABBITMQ_POD });
    const result = await runToCompletion(clients.runner, [args]);
    if (!result.ok) return { ok: false, reason: result.reason };
    try {
      return { ok: true, depths: parseRabbitmqQueues(result.logs) };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : "unreadable rabbitmqctl output" };
    }
  };
