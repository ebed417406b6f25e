/**
 * Recreates each claim from its snapshot (old volume retained first; lib/clients/volumes.ts restoreClaim). The
 * workloads must be stopped: a claim in use by a pod is not deleted until the pod goes (pvc-protection).
 */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeRestoreClaims =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.restoreClaims> =>
  async ({ cluster, claims }) => {
    const volumes = await deps.cluster(cluster).volumes();
    const retained: string[] = [];
    for (const claim of claims) {
      const done = await volumes.restoreClaim(claim.pvc, claim.snapshot, claim.restoreSize);
      if (done.retained) retained.push(done.retained);
    }
    return { retained };
  };
