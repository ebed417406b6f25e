/**
 * Runbook: "Get current Helm user values". Reads Helm's release Secrets and answers with revisions and a keyed
 * fingerprint of the newest deployed revision's values; the values themselves never leave this activity.
 */
import { summarizeRelease } from "../lib/workflow/release.js";
import type { ServicesFactory } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeReadCurrentRelease =
  (services: ServicesFactory): ActivityHandler<typeof ACTIVITIES.readCurrentRelease> =>
  async ({ cluster }) => {
    const app = services();
    const clients = app.cluster(cluster);
    const kube = await clients.kube();
    return summarizeRelease(await kube.listHelmRevisions(clients.target.releaseName), app.signingKey);
  };
