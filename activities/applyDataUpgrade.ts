/**
 * Applies the `DataUpgrade` resource named after the version (runbook: `data-upgrade-450` for Version450). Applying
 * twice is harmless (409 -> the existing one); a retry deletes and re-creates it, since the operator ignores an
 * unchanged resource.
 */
import { dataUpgradeName } from "../lib/workflow/names.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeApplyDataUpgrade =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.applyDataUpgrade> =>
  async ({ cluster, toVersion, chartVersion, recreate }) => {
    const clients = deps.cluster(cluster);
    const kube = await clients.kube();
    const name = dataUpgradeName(toVersion);
    if (recreate) await kube.deleteDataUpgrade(name);
    return kube.applyDataUpgrade({ name, toVersion, chartVersion, releaseName: clients.target.releaseName });
  };
