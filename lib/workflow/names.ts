/** Names the workflow gives things on the cluster, so that a retry finds what an earlier attempt made. */
import type { HelmPhase } from "./contracts.js";

/** `Version450` -> `data-upgrade-450`, as the runbook names the resource. */
export function dataUpgradeName(toVersion: string): string {
  return `data-upgrade-${toVersion.replace(/^Version/, "").toLowerCase()}`;
}

/**
 * Helm keeps `--description` with the revision it creates. The marker ties a revision to one run, phase and
 * attempt, so a start that runs twice (activities are at-least-once) finds its first revision instead of
 * upgrading again.
 */
export function helmRunMarker(runId: string, phase: HelmPhase | "rollback", attempt: number): string {
  return `cluedin-upgrade run=${runId} phase=${phase} attempt=${attempt}`;
}
