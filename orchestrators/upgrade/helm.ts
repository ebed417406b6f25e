/**
 * Helm commands as the run drives them: start (an activity returns at once), watch (a monitor polls the command),
 * then read the release to see what it became. Every command is recorded as evidence with how it ended. A helm
 * that died leaves the release pending-*, which helm refuses to upgrade until it is rolled back.
 */
import { parseHelmFailure, type HelmFailureKind } from "../../lib/clients/helm.js";
import type { HelmRevision } from "../../lib/clients/types.js";
import { releaseUp } from "../../lib/workflow/checks.js";
import type { HelmPhase, ReadReleaseResult, StartCommandResult } from "../../lib/workflow/contracts.js";
import type { HelmCommand } from "../../lib/workflow/evidence.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import { transientRetry } from "../retry.js";
import { describeError } from "./errors.js";
import type { Target, UpgradeRun } from "./run.js";
import { watchPods } from "./pods.js";

/** Extra time the helm monitor allows beyond helm's own --timeout before it calls the command lost. */
const HELM_GRACE_MS = 120_000;

export interface HelmOutcome {
  ok: boolean;
  summary: string;
  startedAt: Date;
  /** Helm timed out but the pods came up within the grace: the revision it marked failed, which counts as up. */
  timedOutRevision?: number;
}

interface Watched {
  ok: boolean;
  summary: string;
  exitCode?: number;
  failure?: HelmFailureKind;
}

type Grace = NonNullable<HelmCommand["timeoutGrace"]>;

export function* readRelease(run: UpgradeRun): Flow<ReadReleaseResult> {
  const release = yield* call(run.activities.readCurrentRelease, { cluster: run.cluster }, transientRetry);
  run.record.releaseRead(release);
  return release;
}

/** The release's newest revision after a command, recorded as the run's revision after. */
function* releaseAfter(run: UpgradeRun): Flow<HelmRevision | undefined> {
  const release = yield* readRelease(run);
  if (!release.ok) return undefined;
  run.record.revisionAfter(release.last.revision);
  return release.last;
}

const describeRevision = (after: HelmRevision | undefined, withChart: boolean): string =>
  after
    ? `revision ${after.revision} ${after.status}${withChart ? ` on chart ${after.chartVersion}` : ""}`
    : "release unreadable";

/** `phase` and `startedAt` (when the Helm step began) pace the polls of runs from 2.3 (lib/workflow/polling.ts). */
function* watchCommand(
  run: UpgradeRun,
  started: Extract<StartCommandResult, { ok: true }>,
  phase: HelmPhase | "rollback",
  startedAt: Date,
): Flow<Watched> {
  const budgetMs = run.policy.helmTimeoutMs + HELM_GRACE_MS;
  const pace = run.pace({ kind: "helm", phase }, startedAt);
  const watch = scheduleMonitor(run.deps.monitor, {
    cluster: run.cluster,
    check: { kind: "command", handle: started.handle },
    intervalMs: run.policy.pollIntervalMs,
    deadline: new Date(run.now.getTime() + budgetMs).toISOString(),
    ...(pace ? { pace } : {}),
  });
  yield watch.task;
  const result = watch.result();
  if (result.timedOut) return { ok: false, summary: `no result within ${Math.round(budgetMs / 60_000)} min` };
  const poll = result.observation;
  if (poll?.state !== "done") return { ok: result.ok, summary: result.summary };
  const failure = parseHelmFailure(poll.logs);
  return {
    ok: result.ok,
    summary: failure ? `${result.summary}: ${failure.message}` : result.summary,
    exitCode: poll.exitCode,
    ...(failure ? { failure: failure.kind } : {}),
  };
}

/**
 * The guide's mitigation for a Helm timeout: by then the database jobs have run, and "it can take an additional
 * 10–15 minutes for all pods to become fully healthy" (upgrade-guide/030-perform-for-the-upgrade.md). The pods are
 * watched for the profile's grace before the failure policy applies; undefined when this run has no grace.
 */
function* timeoutGrace(run: UpgradeRun, watched: Watched): Flow<Grace | undefined> {
  const graceMs = run.policy.helmTimeoutGraceMs ?? 0;
  if (watched.failure !== "timeout" || graceMs <= 0) return undefined;
  if (!startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.helmTimeoutGrace)) return undefined;
  run.record.event(`Helm timed out; watching the pods for up to ${Math.round(graceMs / 60_000)} min before giving up`);
  const pods = yield* watchPods(run, graceMs);
  return { ok: pods.ok, summary: pods.summary };
}

function recordStart(
  run: UpgradeRun,
  at: Date,
  kind: "upgrade" | "rollback",
  phase: string,
  attempt: number | undefined,
  started: StartCommandResult,
  watched?: Watched,
  grace?: Grace,
): void {
  run.record.helmCommand({
    at: at.toISOString(),
    kind,
    phase,
    ...(attempt !== undefined ? { attempt } : {}),
    command: started.ok ? started.command : "",
    resumed: started.ok && started.resumed,
    started: started.ok,
    ...(watched?.exitCode !== undefined ? { exitCode: watched.exitCode } : {}),
    outcome: started.ok ? (watched?.summary ?? "not watched") : started.reason,
    ...(grace ? { timeoutGrace: grace } : {}),
  });
}

/** One Helm upgrade of the target: basic, or one phase of a data upgrade. */
export function* helmUpgrade(run: UpgradeRun, target: Target, phase: HelmPhase, attempt: number): Flow<HelmOutcome> {
  const startedAt = run.now;
  const approved = target.plan.commands?.helm.find((c) => c.phase === phase)?.command;
  const started = yield* call(
    run.activities.startHelmUpgrade,
    {
      cluster: run.cluster,
      runId: run.id,
      phase,
      attempt,
      sourceRevision: target.source.revision,
      valuesFingerprint: target.source.fingerprint,
      targetRelease: target.plan.toRelease,
      extraValues: run.input.extraValues,
      helmTimeoutMs: run.policy.helmTimeoutMs,
      ...(approved ? { approvedCommand: approved } : {}),
    },
    transientRetry,
  );
  if (!started.ok) {
    recordStart(run, startedAt, "upgrade", phase, attempt, started);
    return { ok: false, summary: started.reason, startedAt };
  }
  run.record.event(`${started.resumed ? "resumed" : "started"}: ${started.command}`);
  const watched = yield* watchCommand(run, started, phase, startedAt);
  const grace = yield* timeoutGrace(run, watched);
  recordStart(run, startedAt, "upgrade", phase, attempt, started, watched, grace);
  const after = yield* releaseAfter(run);
  const summary = `${watched.summary}; ${describeRevision(after, true)}`;
  const toChart = { chartVersion: target.plan.toChart };
  if (grace?.ok && after && releaseUp(after, { ...toChart, timedOutRevision: after.revision })) {
    const cameUp = `Helm timed out but the release came up within the grace (${grace.summary})`;
    run.record.event(cameUp);
    return { ok: true, summary: `${summary}; ${cameUp}`, startedAt, timedOutRevision: after.revision };
  }
  const deployed = after !== undefined && releaseUp(after, toChart);
  return {
    ok: watched.ok && deployed,
    summary: grace ? `${summary}; not up within the grace: ${grace.summary}` : summary,
    startedAt,
  };
}

/** `helm rollback` to a revision, as its own stage; true when the release is deployed again. */
export function* rollback(run: UpgradeRun, toRevision: number): Flow<boolean> {
  run.record.startStage("rollback", `to revision ${toRevision}`);
  const startedAt = run.now;
  try {
    const started = yield* call(
      run.activities.startHelmRollback,
      { cluster: run.cluster, runId: run.id, toRevision, attempt: 1, helmTimeoutMs: run.policy.helmTimeoutMs },
      transientRetry,
    );
    if (!started.ok) {
      recordStart(run, startedAt, "rollback", "rollback", undefined, started);
      run.record.endStage("rollback", "failed", started.reason);
      return false;
    }
    const watched = yield* watchCommand(run, started, "rollback", startedAt);
    recordStart(run, startedAt, "rollback", "rollback", undefined, started, watched);
    const after = yield* releaseAfter(run);
    const ok = watched.ok && after?.status === "deployed";
    run.record.endStage(
      "rollback",
      ok ? "succeeded" : "failed",
      `${watched.summary}; ${describeRevision(after, false)}`,
    );
    return ok;
  } catch (error) {
    run.record.endStage("rollback", "failed", describeError(error));
    return false;
  }
}

/** Rolls a release stuck in pending-* back to its last deployed revision; true when nothing is pending any more. */
export function* clearPendingRelease(run: UpgradeRun): Flow<boolean> {
  const release = yield* readRelease(run);
  if (!release.ok) return false;
  if (!release.last.status.startsWith("pending-")) return true;
  if (!release.deployed) return false;
  run.record.event(
    `revision ${release.last.revision} is stuck in ${release.last.status}: rolling back to ${release.deployed.revision} before the retry`,
  );
  return yield* rollback(run, release.deployed.revision);
}
