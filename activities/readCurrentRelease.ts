/**
 * Runbook: "Get current Helm user values". Reads Helm's release Secrets and answers with revisions and a keyed
 * fingerprint of the newest deployed revision's values; the values themselves never leave this activity.
 */
import { summarizeRelease } from "../lib/workflow/release.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeReadCurrentRelease =
  (deps: Pick<WorkflowDeps, "cluster" | "signingKey">): ActivityHandler<typeof ACTIVITIES.readCurrentRelease> =>
  async ({ cluster }) => {
    const clients = deps.cluster(cluster);
    const kube = await clients.kube();
    return summarizeRelease(await kube.listHelmRevisions(clients.target.releaseName), deps.signingKey());
  };
