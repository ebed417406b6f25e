/**
 * The runbook's system pre-checks in one observation: the UI answers, pods are healthy, the server log is free of
 * errors, the queues are quiet. The verdict is the orchestration's (lib/workflow/checks.ts), not this activity's.
 */
import { z } from "zod";
import { probeUi } from "../lib/clients/ui.js";
import type { PreChecksResult } from "../lib/workflow/contracts.js";
import { makeCheckQueues } from "./checkQueues.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const InputSchema = ClusterRefSchema.extend({ logWindowSeconds: z.number().int().positive() });

export const makeRunPreChecks = (services: ServicesFactory) => {
  const checkQueues = makeCheckQueues(services);
  return async (input: unknown): Promise<PreChecksResult> => {
    const { cluster, logWindowSeconds } = InputSchema.parse(input);
    const clients = services().cluster(cluster);
    const kube = await clients.kube();
    const [ui, pods, logs, queues] = await Promise.all([
      probeUi(clients.target.uiUrl),
      kube.podsSummary(),
      kube.scanServerLogs({ sinceSeconds: logWindowSeconds }),
      checkQueues({ cluster }),
    ]);
    return { ui, pods, logs, queues };
  };
};
