/**
 * The orchestration version new runs are created with: host.json `extensions.durableTask.defaultVersion`, written
 * from this constant by `npm run package` (infra/package.ts). Raise it on every deploy that changes what the
 * orchestrators do (docs/deploy.md, "Orchestration versioning"). Keep the `major.minor` form: Durable Task compares
 * versions as System.Version only when both parse as one, and a bare "10" would sort before "9" as a string.
 */
export const ORCHESTRATION_VERSION = "2.3";

/**
 * The version from which each changed behaviour of the orchestrators applies. A run started before it replays with
 * the behaviour it was started with (its history holds those calls); the orchestrators branch on
 * `context.df.version`, never on the deployed code alone.
 */
export const BEHAVIOUR_SINCE = {
  /** "Finalize anyway" after a failed Helm step first rolls back a release a dead helm left pending-*. */
  clearPendingBeforeFinalizeAnyway: "2.0",
  /** A decision event counts only once an activity has checked the approval route's signature on it. */
  signedDecisions: "2.1",
  /**
   * The start is scheduled after approval: the profile's maintenance window and blocked days (with an approver's
   * override), users told of the window in advance, and one update per downtime overrun threshold.
   */
  scheduledStart: "2.2",
  /** A queue holding messages with no consumer is stuck: it blocks at once instead of being waited for. */
  stuckQueues: "2.2",
  /** A failed verification collects the pods' symptoms (previous logs, events, init containers) for a diagnosis. */
  podDiagnosis: "2.2",
  /** Pre-checks prove the target chart resolves from the cluster's chart source before approval is asked. */
  chartResolvesPreCheck: "2.2",
  /** The release page's procedure steps run before and after the Helm upgrade. */
  procedureSteps: "2.2",
  /** A Helm timeout is followed by a watch of the pods for the profile's grace before the failure policy. */
  helmTimeoutGrace: "2.2",
  /** Volume snapshots before the first Helm change, a restore offered when the upgrade fails, retention at the end. */
  volumeSnapshots: "2.2",
  /**
   * Monitors of the Helm command, the pods, the data upgrade and verification poll on a schedule paced by when the
   * wait is expected to end (previous runs' stage times read before the Helm change, else the runbook's figures).
   */
  adaptivePolling: "2.3",
  /** Node capacity and disk pre-check before approval; the target's images pulled onto the nodes before the downtime. */
  prePull: "2.3",
} as const;

/** System.Version.TryParse: two to four non-negative integer components. */
function dotnetVersion(text: string): number[] | undefined {
  const parts = text.trim().split(".");
  if (parts.length < 2 || parts.length > 4 || !parts.every((p) => /^\d+$/.test(p))) return undefined;
  const numbers = parts.map(Number);
  return numbers.every((n) => n <= 2_147_483_647) ? numbers : undefined;
}

/**
 * How Durable Task orders orchestration versions (DurableTask.Core Settings/VersioningSettings.CompareVersions):
 * empty is older than anything, two System.Version strings compare by component (a missing component counts as
 * -1), anything else compares as text, ignoring case. Negative when `a` is older than `b`.
 */
export function compareVersions(a: string | undefined, b: string | undefined): number {
  const emptyA = !a?.trim();
  const emptyB = !b?.trim();
  if (emptyA || emptyB) return emptyA === emptyB ? 0 : emptyA ? -1 : 1;
  const va = dotnetVersion(a ?? "");
  const vb = dotnetVersion(b ?? "");
  if (va && vb) {
    for (let i = 0; i < 4; i++) {
      const diff = (va[i] ?? -1) - (vb[i] ?? -1);
      if (diff !== 0) return Math.sign(diff);
    }
    return 0;
  }
  const [x, y] = [(a ?? "").toLowerCase(), (b ?? "").toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether a run started under `version` was started by this version of the orchestrators or a later one. */
export const startedAtLeast = (version: string | undefined, minimum: string): boolean =>
  compareVersions(version, minimum) >= 0;
