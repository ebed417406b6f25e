/** The runbook's Helm flags per phase of an upgrade (perform-the-upgrade.md, "Perform Helm upgrade"). */
import type { HelmPhase } from "./contracts.js";

export function helmFlagsFor(phase: HelmPhase): Record<string, boolean> {
  switch (phase) {
    case "basic":
      return {
        "application.system.runDatabaseJobsOnUpgrade": true,
        "application.system.runNugetFullRestore": true,
      };
    case "upgrade-mode":
      return {
        "application.system.upgradeMode": true,
        "application.system.runDatabaseJobsOnUpgrade": true,
        "application.system.runNugetFullRestore": true,
      };
    case "finalize":
      return {
        "application.system.upgradeMode": false,
        "application.system.runDatabaseJobsOnUpgrade": false,
        "application.system.runNugetFullRestore": false,
      };
  }
}

/** Milliseconds as Go's duration syntax, the way the runbook writes `--timeout 10m0s`. */
export function helmTimeout(ms: number): string {
  const totalSeconds = Math.max(1, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours > 0 ? `${hours}h` : ""}${minutes}m${seconds}s`;
}
