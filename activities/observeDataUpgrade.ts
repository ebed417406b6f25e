/** What the data upgrade has said so far: the server log's `responded NNN` line and the resource's status. */
import type { ServicesFactory } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeObserveDataUpgrade =
  (services: ServicesFactory): ActivityHandler<typeof ACTIVITIES.observeDataUpgrade> =>
  async ({ cluster, name, sinceSeconds }) => {
    const kube = await services().cluster(cluster).kube();
    const [logs, resource] = await Promise.all([kube.scanServerLogs({ sinceSeconds }), kube.readDataUpgrade(name)]);
    return { logs, ...(resource ? { resource } : {}) };
  };
