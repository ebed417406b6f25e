/** Pods and init jobs of the CluedIn namespace, summarised (runbook: "check CluedIn pods"). */
import type { CheckPodsResult } from "../lib/workflow/contracts.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

export const makeCheckPods =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<CheckPodsResult> => {
    const { cluster } = ClusterRefSchema.parse(input);
    const kube = await services().cluster(cluster).kube();
    return kube.podsSummary();
  };
