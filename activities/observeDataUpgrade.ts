/** What the data upgrade has said so far: the server log's `responded NNN` line and the resource's status. */
import type { WorkflowDeps } from "../lib/services.js";
import { redactDataUpgrade, redactLogScan, releaseTextRedactor } from "./releaseRedaction.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeObserveDataUpgrade =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.observeDataUpgrade> =>
  async ({ cluster, name, sinceSeconds }) => {
    const clients = deps.cluster(cluster);
    const kube = await clients.kube();
    const [logs, resource, redact] = await Promise.all([
      kube.scanServerLogs({ sinceSeconds }),
      kube.readDataUpgrade(name),
      releaseTextRedactor(clients),
    ]);
    return {
      logs: redactLogScan(logs, redact),
      ...(resource ? { resource: redactDataUpgrade(resource, redact) } : {}),
    };
  };
