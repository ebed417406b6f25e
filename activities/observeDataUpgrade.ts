/** What the data upgrade has said so far: the server log's `responded NNN` line and the resource's status. */
import { z } from "zod";
import type { ObserveDataUpgradeResult } from "../lib/workflow/contracts.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const InputSchema = ClusterRefSchema.extend({ name: z.string().max(63), sinceSeconds: z.number().int().positive() });

export const makeObserveDataUpgrade =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<ObserveDataUpgradeResult> => {
    const { cluster, name, sinceSeconds } = InputSchema.parse(input);
    const kube = await services().cluster(cluster).kube();
    const [logs, resource] = await Promise.all([kube.scanServerLogs({ sinceSeconds }), kube.readDataUpgrade(name)]);
    return { logs, ...(resource ? { resource } : {}) };
  };
