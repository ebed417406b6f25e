/**
 * The runbook's system pre-checks that one look answers: the UI answers, pods are healthy, the server log is free
 * of errors. (Queues need a command in the broker's pod: the orchestration runs that one.) The verdict is the
 * orchestration's (lib/workflow/checks.ts), not this activity's.
 */
import { z } from "zod";
import { probeUi } from "../lib/clients/ui.js";
import type { PreChecksResult } from "../lib/workflow/contracts.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const InputSchema = ClusterRefSchema.extend({ logWindowSeconds: z.number().int().positive() });

export const makeRunPreChecks =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<PreChecksResult> => {
    const { cluster, logWindowSeconds } = InputSchema.parse(input);
    const clients = services().cluster(cluster);
    const kube = await clients.kube();
    const [ui, pods, logs] = await Promise.all([
      probeUi(clients.target.uiUrl, { budgetMs: clients.profile.timings.uiTimeout }),
      kube.podsSummary(),
      kube.scanServerLogs({ sinceSeconds: logWindowSeconds }),
    ]);
    return { ui, pods, logs };
  };
