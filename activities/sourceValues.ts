/**
 * The values an upgrade starts from: the given deployed revision, checked against the fingerprint the run
 * recorded, so every step prepares exactly the file that was planned and approved.
 */
import type { HelmRevisionWithValues } from "../lib/clients/types.js";
import type { ClusterClients } from "../lib/services.js";
import { valuesFingerprint } from "../lib/workflow/release.js";

export async function sourceRevision(
  clients: ClusterClients,
  revision: number,
  fingerprint: string,
  key: string,
): Promise<
  { ok: true; source: HelmRevisionWithValues; all: HelmRevisionWithValues[] } | { ok: false; reason: string }
> {
  const kube = await clients.kube();
  const all = await kube.listHelmRevisions(clients.target.releaseName);
  const source = all.find((r) => r.revision === revision);
  if (!source) return { ok: false, reason: `revision ${revision} of ${clients.target.releaseName} no longer exists` };
  if (valuesFingerprint(source.valuesYaml, key) !== fingerprint)
    return { ok: false, reason: `the values of revision ${revision} changed since the plan was made` };
  return { ok: true, source, all };
}
