/**
 * Applies the `DataUpgrade` resource named after the version (runbook: `data-upgrade-450` for Version450). Applying
 * twice is harmless (409 -> the existing one); a retry deletes and re-creates it, since the operator ignores an
 * unchanged resource.
 */
import { z } from "zod";
import type { ApplyDataUpgradeResult } from "../lib/workflow/contracts.js";
import { dataUpgradeName } from "../lib/workflow/names.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const InputSchema = ClusterRefSchema.extend({
  toVersion: z.string().regex(/^Version\d+$/),
  chartVersion: z.string().max(40),
  recreate: z.boolean(),
});

export const makeApplyDataUpgrade =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<ApplyDataUpgradeResult> => {
    const { cluster, toVersion, chartVersion, recreate } = InputSchema.parse(input);
    const clients = services().cluster(cluster);
    const kube = await clients.kube();
    const name = dataUpgradeName(toVersion);
    if (recreate) await kube.deleteDataUpgrade(name);
    return kube.applyDataUpgrade({ name, toVersion, chartVersion, releaseName: clients.target.releaseName });
  };
