/**
 * The runbook's checks as pure decisions over what the activities observed: is the cluster healthy enough to
 * start, has the rollout finished, did the data upgrade answer, is the upgrade verified.
 */
import type {
  CommandPoll,
  DataUpgradeState,
  HelmRevision,
  LogScan,
  PodsSummary,
  QueueDepth,
  UiProbe,
} from "../clients/types.js";
import { parseHelmFailure } from "../clients/helm.js";

export interface CheckFinding {
  code: string;
  message: string;
}

export interface QueueThresholds {
  queueDepthMax: number;
  /** Whether a stuck queue (messages, no consumer) blocks; off for runs that predate the rule (version 2.2). */
  stuckQueuesBlock?: boolean | undefined;
}

/** Dead-letter queues never drain by themselves; they are reported, not waited for. */
export const isDeadLetterQueue = (name: string): boolean => /dead.?letter/i.test(name);

export function busyQueues(queues: QueueDepth[], thresholds: QueueThresholds): QueueDepth[] {
  return queues.filter((q) => !isDeadLetterQueue(q.name) && q.messages > thresholds.queueDepthMax);
}

/**
 * Queues holding messages that nothing consumes: stuck, they will not drain by waiting (CluedIn.Documentation
 * upgrade-guide/040-common-upgrade-operations.md, "Check CluedIn queues": queues stuck, "a large number of Incoming
 * messages but no corresponding Deliver/Get activity ... no consumers are currently available"). An empty queue
 * without consumers is fine; dead-letter queues have no consumers by design and are reported apart.
 */
export const stuckQueues = (queues: QueueDepth[]): QueueDepth[] =>
  queues.filter((q) => !isDeadLetterQueue(q.name) && q.messages > 0 && q.consumers === 0);

const describeStuck = (stuck: QueueDepth[]): string =>
  `queues stuck with no consumers: ${stuck.map((q) => `${q.name} (${q.messages} messages, ${q.consumers} consumers)`).join(", ")}`;

export interface PreCheckObservation {
  ui: UiProbe;
  pods: PodsSummary;
  logs: LogScan;
  queues: { ok: true; depths: QueueDepth[] } | { ok: false; reason: string };
}

export interface PreCheckVerdict {
  blockers: CheckFinding[];
  warnings: CheckFinding[];
  /** Only busy queues stand in the way: worth waiting for them to drain. */
  waitForQueues: boolean;
}

export function evaluatePreChecks(obs: PreCheckObservation, thresholds: QueueThresholds): PreCheckVerdict {
  const blockers: CheckFinding[] = [];
  const warnings: CheckFinding[] = [];
  if (!obs.ui.ok)
    blockers.push({
      code: "ui-down",
      message: `CluedIn UI did not answer within budget (${obs.ui.status ?? obs.ui.error ?? "no answer"}, ${obs.ui.elapsedMs} ms)`,
    });
  if (!obs.pods.healthy)
    blockers.push({
      code: "pods-unhealthy",
      message: `${obs.pods.ready}/${obs.pods.total} pods ready: ${obs.pods.problems.map((p) => `${p.pod} ${p.reason}`).join(", ")}`,
    });
  if (obs.logs.errorLines.length > 0)
    warnings.push({
      code: "server-log-errors",
      message: `${obs.logs.errorLines.length} ERR/FTL lines in the server log in the last ${obs.logs.windowSeconds} s; review them before approving`,
    });
  let waitForQueues = false;
  if (!obs.queues.ok)
    warnings.push({ code: "queues-unreadable", message: `queue depths unavailable: ${obs.queues.reason}` });
  else {
    const stuck = thresholds.stuckQueuesBlock ? stuckQueues(obs.queues.depths) : [];
    if (stuck.length > 0) blockers.push({ code: "queues-stuck", message: describeStuck(stuck) });
    const busy = busyQueues(obs.queues.depths, thresholds);
    waitForQueues = busy.length > 0;
    const deadLetters = obs.queues.depths.filter((q) => isDeadLetterQueue(q.name) && q.messages > 0);
    if (deadLetters.length > 0)
      warnings.push({
        code: "dead-letters",
        message: `dead-letter queues hold messages: ${deadLetters.map((q) => `${q.name}=${q.messages}`).join(", ")}`,
      });
  }
  return { blockers, warnings, waitForQueues: waitForQueues && blockers.length === 0 };
}

/** The verdict of one poll of a monitor: keep waiting, or done with success or failure. */
export type CheckVerdict = { done: false; summary: string } | { done: true; ok: boolean; summary: string };

export function evaluateQueues(depths: QueueDepth[], thresholds: QueueThresholds): CheckVerdict {
  const stuck = thresholds.stuckQueuesBlock ? stuckQueues(depths) : [];
  if (stuck.length > 0) return { done: true, ok: false, summary: describeStuck(stuck) };
  const busy = busyQueues(depths, thresholds);
  return busy.length === 0
    ? { done: true, ok: true, summary: "queues drained" }
    : { done: false, summary: `busy: ${busy.map((q) => `${q.name}=${q.messages}`).join(", ")}` };
}

export function evaluatePods(pods: PodsSummary): CheckVerdict {
  const pendingJobs = pods.jobs.filter((j) => !j.complete);
  const failedJobs = pendingJobs.filter((j) => j.failed);
  if (failedJobs.length > 0)
    return { done: true, ok: false, summary: `jobs failed: ${failedJobs.map((j) => j.name).join(", ")}` };
  if (pods.healthy && pendingJobs.length === 0)
    return { done: true, ok: true, summary: `${pods.ready}/${pods.total} pods ready, jobs complete` };
  const problems = pods.problems.map((p) => `${p.pod} ${p.reason}`).join(", ");
  return {
    done: false,
    summary: `${pods.ready}/${pods.total} pods ready${problems ? `; ${problems}` : ""}${pendingJobs.length ? `; jobs running: ${pendingJobs.map((j) => j.name).join(", ")}` : ""}`,
  };
}

export function evaluateCommand(poll: CommandPoll): CheckVerdict {
  if (poll.state === "running") return { done: false, summary: "running" };
  return { done: true, ok: poll.exitCode === 0, summary: `exit code ${poll.exitCode}` };
}

/** What a monitor of the chart check saw: helm's answer, or no answer before its deadline. */
export interface ChartCheckWatch {
  ok: boolean;
  timedOut: boolean;
  summary: string;
  observation?: CommandPoll;
}

export type ChartCheckVerdict = { ok: true; summary: string } | { ok: false; finding: CheckFinding };

/**
 * Pre-check: `helm show chart` found the target chart version at the cluster's chart source. Helm's own words say
 * whether the version is missing (`chart-not-found`) or the source could not be read (`chart-source-unreachable`).
 */
export function evaluateChartCheck(watched: ChartCheckWatch, command: string): ChartCheckVerdict {
  const poll = watched.observation;
  if (poll?.state === "done" && poll.exitCode === 0) return { ok: true, summary: `the chart resolves: ${command}` };
  const failure = poll?.state === "done" ? parseHelmFailure(poll.logs) : undefined;
  const said =
    failure?.message ??
    (poll?.state === "done"
      ? (poll.logs.trim().split("\n").at(-1) ?? `exit code ${poll.exitCode}`)
      : `no answer (${watched.summary})`);
  if (failure?.kind === "chart-not-found")
    return {
      ok: false,
      finding: {
        code: "chart-not-found",
        message: `the target chart version is not at the chart source: ${said} (${command})`,
      },
    };
  return {
    ok: false,
    finding: { code: "chart-source-unreachable", message: `the chart source could not be read: ${said} (${command})` },
  };
}

export interface DataUpgradeObservation {
  logs: LogScan;
  resource?: DataUpgradeState;
}

/**
 * The server's answer decides, with the resource as its witness: a 200 for this version is success; a failed
 * resource is failure. A non-200 line alone fails only when there is no resource to ask: after a retry the log
 * still holds the previous attempt's answer, and virtual or real, little time may separate the two.
 */
export function evaluateDataUpgrade(obs: DataUpgradeObservation, toVersion: string): CheckVerdict {
  const response = obs.logs.dataUpgradeResponse?.toVersion === toVersion ? obs.logs.dataUpgradeResponse : undefined;
  const phase = obs.resource?.phase;
  if (response?.status === 200 || (phase && /succe/i.test(phase)))
    return { done: true, ok: true, summary: `data upgrade to ${toVersion} responded 200` };
  if (phase && /fail/i.test(phase))
    return {
      done: true,
      ok: false,
      summary:
        `data upgrade to ${toVersion} ${response ? `responded ${response.status}` : "failed"}: DataUpgrade ${obs.resource?.name ?? ""} ${phase} ${obs.resource?.message ?? ""}`.trim(),
    };
  if (response && !obs.resource)
    return { done: true, ok: false, summary: `data upgrade to ${toVersion} responded ${response.status}` };
  return { done: false, summary: `waiting for HTTP POST /api/upgradeto/${toVersion} (phase ${phase ?? "none"})` };
}

export interface VerifyObservation {
  release?: HelmRevision;
  pods: PodsSummary;
  logs: LogScan;
  ui: UiProbe;
}

/**
 * The release counts as up when its newest revision is deployed on the target chart, or is the revision a Helm
 * timeout marked failed although its pods came up within the grace (Helm never revisits that mark).
 */
export function releaseUp(
  release: HelmRevision,
  expected: { chartVersion: string; timedOutRevision?: number },
): boolean {
  if (release.chartVersion !== expected.chartVersion) return false;
  return (
    release.status === "deployed" || (release.status === "failed" && release.revision === expected.timedOutRevision)
  );
}

export function evaluateVerify(
  obs: VerifyObservation,
  expected: { chartVersion: string; timedOutRevision?: number },
): CheckVerdict {
  const missing: string[] = [];
  if (!obs.release || !releaseUp(obs.release, expected))
    missing.push(
      `release ${obs.release ? `${obs.release.status} chart ${obs.release.chartVersion}` : "unreadable"} (want deployed ${expected.chartVersion})`,
    );
  const pods = evaluatePods(obs.pods);
  if (!(pods.done && pods.ok)) missing.push(pods.summary);
  if (!obs.logs.applicationStarted) missing.push("no 'Application started' in the server log yet");
  if (!obs.ui.ok) missing.push(`UI not answering (${obs.ui.status ?? obs.ui.error ?? "timeout"})`);
  return missing.length === 0
    ? {
        done: true,
        ok: true,
        summary: `release deployed on chart ${expected.chartVersion}, pods healthy, application started, UI answers`,
      }
    : { done: false, summary: missing.join("; ") };
}
