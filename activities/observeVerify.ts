/** The runbook's verification in one observation: the release, the pods, `Application started`, the UI. */
import { probeUi } from "../lib/clients/ui.js";
import { latestRevision } from "../lib/workflow/release.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { redactLogScan, releaseTextRedactor } from "./releaseRedaction.js";

export const makeObserveVerify =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.observeVerify> =>
  async ({ cluster, sinceSeconds }) => {
    const clients = deps.cluster(cluster);
    const kube = await clients.kube();
    const [revisions, pods, logs, ui] = await Promise.all([
      kube.listHelmRevisions(clients.target.releaseName),
      kube.podsSummary(),
      kube.scanServerLogs({ sinceSeconds }),
      probeUi(clients.target.uiUrl, { budgetMs: clients.profile.timings.uiTimeout }),
    ]);
    const release = latestRevision(revisions);
    const redact = await releaseTextRedactor(clients, revisions);
    return {
      ...(release ? { release: { ...release, description: redact(release.description) } } : {}),
      pods,
      logs: redactLogScan(logs, redact),
      ui,
    };
  };
