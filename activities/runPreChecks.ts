/**
 * The runbook's system pre-checks that one look answers: the UI answers, pods are healthy, the server log is free
 * of errors. (Queues need a command in the broker's pod: the orchestration runs that one.) The verdict is the
 * orchestration's (lib/workflow/checks.ts), not this activity's.
 */
import { probeUi } from "../lib/clients/ui.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { redactLogScan, releaseTextRedactor } from "./releaseRedaction.js";

export const makeRunPreChecks =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.runPreChecks> =>
  async ({ cluster, logWindowSeconds }) => {
    const clients = deps.cluster(cluster);
    const kube = await clients.kube();
    const [ui, pods, logs, redact] = await Promise.all([
      probeUi(clients.target.uiUrl, { budgetMs: clients.profile.timings.uiTimeout }),
      kube.podsSummary(),
      kube.scanServerLogs({ sinceSeconds: logWindowSeconds }),
      releaseTextRedactor(clients),
    ]);
    return { ui, pods, logs: redactLogScan(logs, redact) };
  };
