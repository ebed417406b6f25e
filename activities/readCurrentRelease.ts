/**
 * Runbook: "Get current Helm user values". Reads Helm's release Secrets and answers with revisions and a keyed
 * fingerprint of the newest deployed revision's values; the values themselves never leave this activity.
 */
import type { ReadReleaseResult } from "../lib/workflow/contracts.js";
import { summarizeRelease } from "../lib/workflow/release.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

export const makeReadCurrentRelease =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<ReadReleaseResult> => {
    const { cluster } = ClusterRefSchema.parse(input);
    const app = services();
    const clients = app.cluster(cluster);
    const kube = await clients.kube();
    return summarizeRelease(await kube.listHelmRevisions(clients.target.releaseName), app.signingKey);
  };
