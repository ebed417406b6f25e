/** The runbook's verification in one observation: the release, the pods, `Application started`, the UI. */
import { z } from "zod";
import { probeUi } from "../lib/clients/ui.js";
import type { ObserveVerifyResult } from "../lib/workflow/contracts.js";
import { latestRevision } from "../lib/workflow/release.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const InputSchema = ClusterRefSchema.extend({ sinceSeconds: z.number().int().positive() });

export const makeObserveVerify =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<ObserveVerifyResult> => {
    const { cluster, sinceSeconds } = InputSchema.parse(input);
    const clients = services().cluster(cluster);
    const kube = await clients.kube();
    const [revisions, pods, logs, ui] = await Promise.all([
      kube.listHelmRevisions(clients.target.releaseName),
      kube.podsSummary(),
      kube.scanServerLogs({ sinceSeconds }),
      probeUi(clients.target.uiUrl, { budgetMs: clients.profile.timings.uiTimeout }),
    ]);
    const release = latestRevision(revisions);
    return { ...(release ? { release } : {}), pods, logs, ui };
  };
