/**
 * What the workflow's e-mails and decision requests say, as pure functions of the run's facts: the downtime
 * notice, the halt notice, the closing notice and the questions put to people. The orchestration only picks which.
 */
import type { PlanCommands } from "../plan/index.js";
import type { NotificationKind } from "../workflow/activities.js";
import type { Requester } from "../workflow/contracts.js";
import type { RunStatus } from "../workflow/model.js";
import { describeInstant } from "../workflow/schedule.js";

export interface RunFacts {
  cluster: string;
  environment: string;
}

/** A Helm revision as a message names it. */
export interface RevisionFacts {
  revision: number;
  status: string;
  chartVersion: string;
  appVersion: string;
}

export interface Notice {
  subjectDetail: string;
  lines: string[];
}

/**
 * The requester as e-mails name them. A signed-in principal is named as is; a declaration nobody vouches for is
 * quoted as what the caller wrote, so a reader does not take it for the app's word (templates escape it too).
 */
export function requesterText(requestedBy: Requester): string {
  const named = requestedBy.email ?? requestedBy.name;
  if (requestedBy.principalId) return named;
  const declared =
    requestedBy.email && requestedBy.name !== requestedBy.email ? `${requestedBy.name} <${requestedBy.email}>` : named;
  return `someone not signed in (the requester wrote: "${declared.slice(0, 240)}")`;
}

export const approvalQuestion = (run: RunFacts, from: string, to: string): string =>
  `Approve the upgrade of ${run.cluster} (${run.environment}) from ${from} to ${to}?`;

export const recoverPendingQuestion = (run: RunFacts, stuck: RevisionFacts, deployed: RevisionFacts): string =>
  `Revision ${stuck.revision} of ${run.cluster} is stuck in ${stuck.status}. Roll back to revision ${deployed.revision} (${deployed.appVersion}) and continue?`;

export const rollbackQuestion = (run: RunFacts, reason: string, toRevision: number): string =>
  `${reason}. Roll ${run.cluster} back to revision ${toRevision}, or leave it as it is?`;

export const haltedQuestion = (run: RunFacts, step: string, summary: string): string =>
  `The data upgrade of ${run.cluster} halted at ${step}: ${summary}. Retry the step, finalize anyway, or stop?`;

/** The impact users are told of when the profile does not word its own (`notify.businessImpact`). */
export const DEFAULT_BUSINESS_IMPACT =
  "The CluedIn UI will be unavailable until the upgrade completes; data ingestion pauses.";

/** What users are told in advance and when the downtime starts (upgrade-guide/010, "Inform the stakeholders"). */
export interface DowntimeFacts extends RunFacts {
  fromRelease: string;
  toRelease: string;
  expectedDowntimeMinutes: number;
  businessImpact?: string | undefined;
}

/** Sent once the run is approved and its start is later: the window, the expected downtime, the impact. */
export function scheduledNotice(run: DowntimeFacts, window: string, startsAt: string): Notice {
  return {
    subjectDetail: `scheduled ${startsAt}`,
    lines: [
      `CluedIn on ${run.cluster} (${run.environment}) will be upgraded from ${run.fromRelease} to ${run.toRelease}.`,
      `Maintenance window: ${window}.`,
      `Expected downtime: about ${run.expectedDowntimeMinutes} minutes from the start of the upgrade.`,
      `Business impact: ${run.businessImpact ?? DEFAULT_BUSINESS_IMPACT}`,
      "You will receive a notice when the downtime starts and when the upgrade is complete.",
    ],
  };
}

export function downtimeNotice(run: DowntimeFacts, at: Date, timeZone?: string): Notice {
  const from = at.toISOString();
  const until = describeInstant(at.getTime() + run.expectedDowntimeMinutes * 60_000, timeZone);
  return {
    subjectDetail: `downtime from ${from}`,
    lines: [
      `CluedIn on ${run.cluster} (${run.environment}) is being upgraded from ${run.fromRelease} to ${run.toRelease}.`,
      `Expected downtime: about ${run.expectedDowntimeMinutes} minutes from ${from}, until about ${until}.`,
      run.businessImpact ?? DEFAULT_BUSINESS_IMPACT,
    ],
  };
}

/** One update per overrun threshold: how long it has taken against the expectation, and the stage it is in. */
export function overrunNotice(run: DowntimeFacts, elapsedMinutes: number, stage: string): Notice {
  return {
    subjectDetail: `taking longer than expected (${elapsedMinutes} min)`,
    lines: [
      `The upgrade of CluedIn on ${run.cluster} (${run.environment}) to ${run.toRelease} is taking longer than the expected ${run.expectedDowntimeMinutes} minutes: the downtime began ${elapsedMinutes} minutes ago.`,
      `It is now at the stage: ${stage}.`,
      `${run.businessImpact ?? DEFAULT_BUSINESS_IMPACT} You will receive a notice when the upgrade ends.`,
    ],
  };
}

export function haltedNotice(run: RunFacts & { toRelease: string }, step: string, summary: string): Notice {
  return {
    subjectDetail: `halted at ${step}`,
    lines: [
      `The upgrade of ${run.cluster} to ${run.toRelease} halted at ${step}: ${summary}.`,
      "CluedIn is in upgrade mode: the UI is down and no data is processed. There is no automatic rollback after a data upgrade has begun.",
      "An operator must choose: retry the failed step, finalize anyway (leave upgrade mode), or stop and repair by hand (restore the disk snapshots to undo a data upgrade).",
    ],
  };
}

/** The closing e-mail's kind: every run ends with one. */
export function closingKind(status: RunStatus): NotificationKind {
  switch (status) {
    case "completed":
    case "halted":
    case "rejected":
    case "restored":
      return status;
    default:
      return "failed";
  }
}

const NEXT: Partial<Record<RunStatus, string>> = {
  completed: "CluedIn is back online: users can work again.",
  failed:
    "Read the run's events and audit record; fix the cause and start a new run. The cluster state above is what the run left.",
  halted:
    "An operator must act: CluedIn may be in upgrade mode (UI down, no processing). Restore the disk snapshots to undo a data upgrade, or finish it by hand with the runbook.",
  rejected: "Nothing was changed on the cluster.",
  cancelled: "Nothing was changed on the cluster.",
  restored:
    "CluedIn is back on the release and the data it had before the upgrade (from the snapshots taken then); data written since is not. The replaced disks were kept.",
};

/** After the upgrade, say how to report issues (upgrade-guide/010, "Inform the stakeholders"). */
const reportIssues = (to: string[]): string =>
  `If you notice a problem with CluedIn after this upgrade, report it to ${to.join(", ")}, naming this run.`;

/** The closing e-mail: what happened, how long it took, who approved, the cluster's state, what to do next. */
export function closingNotice(
  run: RunFacts & {
    targetRelease: string;
    requestedBy: string;
    requestedAt: string;
    plan?: { fromRelease: string; fromChart: string; toRelease: string; toChart: string; mode: string };
    approvers: string[];
    release?: RevisionFacts;
    /** Who users report problems to: the cluster's operators. */
    reportTo?: string[];
    /** One line per unhealthy pod (lib/workflow/diagnosis.ts), already redacted. */
    diagnosis?: string[];
    /** Set for the stand-alone restore of a run's snapshot set: the run it restores. */
    restoreOf?: string;
  },
  status: RunStatus,
  reason: string,
  at: Date,
): Notice {
  const minutes = Math.round((at.getTime() - new Date(run.requestedAt).getTime()) / 60_000);
  const { plan, release } = run;
  const next = NEXT[status];
  return {
    subjectDetail: status,
    lines: [
      run.restoreOf
        ? `The restore of ${run.cluster} (${run.environment}) from the snapshots of ${run.restoreOf}, back to ${run.targetRelease}, ended ${status}: ${reason}.`
        : `The upgrade of ${run.cluster} (${run.environment}) to ${run.targetRelease} ended ${status}: ${reason}.`,
      ...(plan
        ? [
            `From ${plan.fromRelease} (chart ${plan.fromChart}) to ${plan.toRelease} (chart ${plan.toChart}), ${plan.mode}.`,
          ]
        : []),
      `Requested by ${run.requestedBy}; ${minutes} minute(s) from request to end.`,
      ...(run.approvers.length ? [`Approved by ${run.approvers.join(", ")}.`] : []),
      ...(release
        ? [
            `Cluster state: Helm revision ${release.revision} ${release.status} on chart ${release.chartVersion} (${release.appVersion}).`,
          ]
        : []),
      ...(run.diagnosis?.length ? ["Diagnosis of the unhealthy pods:", ...run.diagnosis] : []),
      ...(next ? [`Next: ${next}`] : []),
      ...(run.reportTo?.length ? [reportIssues(run.reportTo)] : []),
    ],
  };
}

/**
 * The commands of a plan as the approval e-mail lists them, in run order: what the approver reads is what runs
 * (`<values file>` and `<run marker>` stand for the run's values file and Helm `--description`).
 */
export function commandLines(commands: PlanCommands): string[] {
  return [
    `What will run (the chart comes from the ${commands.chartSource}):`,
    ...commands.beforeHelm.map((step) => `Before the Helm upgrade, ${step.id}: ${step.command}`),
    ...commands.helm.map((helm) => `Helm (${helm.phase}): ${helm.command}`),
    ...commands.afterHelm.map((step) => `After the Helm upgrade, ${step.id}: ${step.command}`),
  ];
}
