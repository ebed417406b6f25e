/** Reading a Helm release's history: which revision is current, which was last deployed, what values it had. */
import { createHmac } from "node:crypto";
import type { HelmRevision, HelmRevisionWithValues } from "../clients/types.js";
import type { ReadReleaseResult } from "./contracts.js";

const withoutValues = ({ valuesYaml: _values, ...revision }: HelmRevisionWithValues): HelmRevision => revision;

export function latestRevision(revisions: HelmRevisionWithValues[]): HelmRevision | undefined {
  const newest = [...revisions].sort((a, b) => b.revision - a.revision)[0];
  return newest ? withoutValues(newest) : undefined;
}

/** Newest deployed revision: `helm get values` would give the last one, which may have failed (REFERENCE §5). */
export function lastDeployed(revisions: HelmRevisionWithValues[]): HelmRevisionWithValues | undefined {
  return [...revisions].sort((a, b) => b.revision - a.revision).find((r) => r.status === "deployed");
}

/**
 * A keyed fingerprint of a values file: proves a later step prepares from the same file without putting the file,
 * or anything an attacker could test guesses of its secrets against, into history.
 */
export function valuesFingerprint(valuesYaml: string, key: string): string {
  return createHmac("sha256", key).update(valuesYaml).digest("hex");
}

const HISTORY_KEPT = 10;

export function summarizeRelease(revisions: HelmRevisionWithValues[], fingerprintKey: string): ReadReleaseResult {
  const last = latestRevision(revisions);
  if (!last) return { ok: false, reason: "no Helm release found in the namespace (is this the right cluster?)" };
  const deployed = lastDeployed(revisions);
  return {
    ok: true,
    last,
    ...(deployed
      ? { deployed: withoutValues(deployed), valuesFingerprint: valuesFingerprint(deployed.valuesYaml, fingerprintKey) }
      : {}),
    history: [...revisions]
      .sort((a, b) => b.revision - a.revision)
      .slice(0, HISTORY_KEPT)
      .map(withoutValues),
  };
}
