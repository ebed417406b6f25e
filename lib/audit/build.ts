/**
 * Builds the audit record from what Durable keeps of a run: its input, its custom status or output (the `RunView`)
 * and the results of its activities and sub-orchestrations in history. Only what Azure's status API returns is
 * read: activity results, not activity inputs (the host drops those). Every string is redacted on the way out.
 */
import { parseRabbitmqQueues } from "../clients/helm.js";
import type { CommandPoll, DataUpgradeState, HelmRevision, PodsSummary } from "../clients/types.js";
import { redactText } from "../redaction/index.js";
import type { DataUpgradeObservation, VerifyObservation } from "../workflow/checks.js";
import {
  UpgradeInputSchema,
  type DecisionRequestResult,
  type NotifyResult,
  type PreChecksResult,
  type PrepareValuesResult,
  type ReadReleaseResult,
  type RunPlan,
  type StartCommandResult,
  type UpgradeInput,
} from "../workflow/contracts.js";
import type { HistoryEventView } from "../workflow/history.js";
import { upgradeResource, type OrchestrationSnapshot } from "../workflow/status.js";
import type { RunStatus } from "../workflow/model.js";
import { chainDowntime, computeDowntime } from "./downtime.js";
import { AUDIT_SCHEMA, type AuditRecord, type EmailSent, type HelmCommand } from "./record.js";

export interface AuditSource extends OrchestrationSnapshot {
  history: readonly HistoryEventView[];
  /** What a run says of itself when it archives its record, before Durable holds its output. */
  ending?: { status: RunStatus; reason: string; revisionBefore?: number; revisionAfter?: number };
  hops?: AuditRecord[];
  now: Date;
}

interface Completion {
  name: string;
  at?: string;
  result: unknown;
}

interface MonitorResultLike {
  ok: boolean;
  timedOut?: boolean;
  summary: string;
  observation?: unknown;
}

const MAX_LOG_LINES = 50;

function parsed(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** Completed activities and sub-orchestrations, oldest first. */
function completions(history: readonly HistoryEventView[]): Completion[] {
  return history
    .filter(
      (e) => (e.EventType === "TaskCompleted" || e.EventType === "SubOrchestrationInstanceCompleted") && e.FunctionName,
    )
    .map((e) => ({
      name: e.FunctionName ?? "",
      ...(e.Timestamp ? { at: new Date(e.Timestamp).toISOString() } : {}),
      result: parsed(e.Result),
    }));
}

const isMonitorResult = (value: unknown): value is MonitorResultLike =>
  isObject(value) && typeof value.ok === "boolean" && typeof value.summary === "string";
const isCommandPoll = (value: unknown): value is CommandPoll => isObject(value) && typeof value.state === "string";
const isVerifyObservation = (value: unknown): value is VerifyObservation =>
  isObject(value) && isObject(value.pods) && isObject(value.ui) && isObject(value.logs);
const isDataUpgradeObservation = (value: unknown): value is DataUpgradeObservation =>
  isObject(value) && isObject(value.logs) && !("pods" in value);

/** Every string of a JSON-like value through the free-text redactor. */
export function redactStrings<T>(value: T): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") return redactText(node);
    if (Array.isArray(node)) return node.map(walk);
    if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(value) as T;
}

const MARKER = /phase=([a-z-]+) attempt=(\d+)/;

function helmCommands(done: readonly Completion[]): HelmCommand[] {
  const commands: HelmCommand[] = [];
  done.forEach((entry, index) => {
    if (entry.name !== "startHelmUpgrade" && entry.name !== "startHelmRollback") return;
    const started = entry.result as StartCommandResult;
    const kind = entry.name === "startHelmUpgrade" ? "upgrade" : "rollback";
    if (!started.ok) {
      commands.push({
        ...(entry.at ? { at: entry.at } : {}),
        kind,
        command: "",
        resumed: false,
        started: false,
        outcome: started.reason,
      });
      return;
    }
    const marker = MARKER.exec(started.command);
    const watched = done
      .slice(index + 1)
      .find((c) => c.name === "monitor" && isMonitorResult(c.result) && isCommandPoll(c.result.observation));
    const result = watched?.result as MonitorResultLike | undefined;
    const poll = result?.observation as CommandPoll | undefined;
    const errorLine = poll?.state === "done" ? poll.logs.split("\n").find((l) => l.startsWith("Error:")) : undefined;
    commands.push({
      ...(entry.at ? { at: entry.at } : {}),
      kind,
      ...(marker?.[1] ? { phase: marker[1] } : kind === "rollback" ? { phase: "rollback" } : {}),
      ...(marker?.[2] ? { attempt: Number(marker[2]) } : {}),
      command: started.command,
      resumed: started.resumed,
      started: true,
      ...(poll?.state === "done" ? { exitCode: poll.exitCode } : {}),
      ...(result ? { outcome: errorLine ? `${result.summary}: ${errorLine}` : result.summary } : {}),
    });
  });
  return commands;
}

/** Notifications carry no recipients in their results; the run's own events name their kind and audience size. */
function emails(done: readonly Completion[], events: readonly { at: string; message: string }[]): EmailSent[] {
  const notices = events
    .map((e) => /^e-mail (sent|failed): ([a-z-]+)(?: to (\d+) recipient)?/.exec(e.message))
    .filter((m): m is RegExpExecArray => m !== null);
  const notifies = done.filter((c) => c.name === "notify");
  // The event log keeps only the newest events: align from the end.
  const offset = notifies.length - notices.length;
  const mails: EmailSent[] = [];
  let notifyIndex = 0;
  for (const entry of done) {
    if (entry.name === "requestDecision") {
      const result = entry.result as DecisionRequestResult;
      mails.push({
        ...(entry.at ? { at: entry.at } : {}),
        kind: "decision-request",
        recipients: result.sent,
        recipientCount: result.sent.length,
        ok: result.failed.length === 0,
        ...(result.failed.length > 0 ? { failures: result.failed } : {}),
      });
    } else if (entry.name === "notify") {
      const result = entry.result as NotifyResult;
      const notice = notifyIndex - offset >= 0 ? notices[notifyIndex - offset] : undefined;
      notifyIndex++;
      mails.push({
        ...(entry.at ? { at: entry.at } : {}),
        kind: notice?.[2] ?? "notification",
        ...(notice?.[3] ? { recipientCount: Number(notice[3]) } : {}),
        ok: result.ok,
        ...(result.ok ? { messageId: result.messageId } : { failures: [{ recipient: "*", reason: result.reason }] }),
      });
    }
  }
  return mails;
}

const lastOf = <T>(done: readonly Completion[], name: string, accept: (value: unknown) => boolean = () => true) =>
  done.filter((c) => c.name === name && accept(c.result)).at(-1) as (Completion & { result: T }) | undefined;

function preChecks(done: readonly Completion[]): AuditRecord["preChecks"] {
  const checks = lastOf<PreChecksResult>(done, "runPreChecks");
  if (!checks) return undefined;
  const { ui, pods, logs } = checks.result;
  return {
    ...(checks.at ? { at: checks.at } : {}),
    ui,
    pods: podsEvidence(pods),
    logs: { windowSeconds: logs.windowSeconds, errorLines: logs.errorLines.slice(0, MAX_LOG_LINES) },
    queues: queueEvidence(done),
  };
}

type QueueEvidence = NonNullable<AuditRecord["preChecks"]>["queues"];

/** The last reading of the queues: the drain wait's, or else the pre-checks' own listing (rabbitmqctl output). */
function queueEvidence(done: readonly Completion[]): QueueEvidence {
  const drain = lastOf<MonitorResultLike>(done, "queueDrain", isMonitorResult);
  const reading = drain?.result.observation;
  if (isObject(reading) && typeof reading.ok === "boolean") return reading as QueueEvidence;
  const start = done.findLastIndex((c) => c.name === "startQueueListing");
  const listing = done
    .slice(start + 1)
    .find((c) => c.name === "monitor" && isMonitorResult(c.result) && isCommandPoll(c.result.observation));
  const poll = (listing?.result as MonitorResultLike | undefined)?.observation as CommandPoll | undefined;
  if (start < 0 || poll?.state !== "done") return { ok: false, reason: drain?.result.summary ?? "queues not read" };
  try {
    return { ok: true, depths: parseRabbitmqQueues(poll.logs) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : "unreadable rabbitmqctl output" };
  }
}

const podsEvidence = (pods: PodsSummary) => ({
  total: pods.total,
  ready: pods.ready,
  completed: pods.completed,
  healthy: pods.healthy,
  problems: pods.problems,
});

function dataUpgrade(done: readonly Completion[], plan: RunPlan | undefined): AuditRecord["dataUpgrade"] {
  const applied = lastOf<DataUpgradeState>(done, "applyDataUpgrade");
  const watched = lastOf<MonitorResultLike>(
    done,
    "monitor",
    (r) => isMonitorResult(r) && isDataUpgradeObservation(r.observation),
  );
  if (!applied && !watched) return undefined;
  const observation = watched?.result.observation as DataUpgradeObservation | undefined;
  const resource = observation?.resource ?? applied?.result;
  const response = observation?.logs.dataUpgradeResponse;
  return {
    ...(plan && plan.dataUpgrade.kind !== "none" ? { toVersion: plan.dataUpgrade.toVersion } : {}),
    ...(resource
      ? {
          resource: {
            name: resource.name,
            created: applied?.result.created ?? resource.created,
            ...(resource.phase ? { phase: resource.phase } : {}),
            ...(resource.message ? { message: resource.message } : {}),
          },
        }
      : {}),
    ...(response ? { response: { status: response.status, line: response.line } } : {}),
    ok: watched?.result.ok ?? false,
    summary: watched?.result.summary ?? "the data upgrade was applied but not watched",
  };
}

function verification(done: readonly Completion[]): AuditRecord["verification"] {
  const watched = lastOf<MonitorResultLike>(
    done,
    "monitor",
    (r) => isMonitorResult(r) && isVerifyObservation(r.observation),
  );
  if (!watched) return undefined;
  const obs = watched.result.observation as VerifyObservation;
  return {
    ok: watched.result.ok,
    summary: watched.result.summary,
    ...(obs.release ? { release: obs.release } : {}),
    podsReady: `${obs.pods.ready}/${obs.pods.total}`,
    applicationStarted: obs.logs.applicationStarted,
    ui: { ok: obs.ui.ok, elapsedMs: obs.ui.elapsedMs, ...(obs.ui.status ? { status: obs.ui.status } : {}) },
  };
}

function planEvidence(plan: RunPlan | undefined): AuditRecord["plan"] {
  if (!plan) return undefined;
  return {
    valuesFile: plan.valuesFile,
    fromChart: plan.fromChart,
    toChart: plan.toChart,
    fromRevision: plan.fromRevision,
    diff: plan.diff,
    diffSha256: plan.diffSha256,
    diffTruncated: plan.diffTruncated,
    changes: plan.changes,
    warnings: plan.warnings.map(({ code, message }) => ({ code, message })),
    blockers: plan.blockers.map(({ code, message }) => ({ code, message })),
    expectedDowntimeMinutes: plan.expectedDowntimeMinutes,
    releaseNotesUrl: plan.releaseNotesUrl,
  };
}

function revisions(done: readonly Completion[], before: number | undefined): HelmRevision[] {
  const reads = done.filter((c) => c.name === "readCurrentRelease").map((c) => c.result as ReadReleaseResult);
  const byNumber = new Map<number, HelmRevision>();
  for (const read of reads) if (read.ok) for (const revision of read.history) byNumber.set(revision.revision, revision);
  return [...byNumber.values()]
    .filter((r) => before === undefined || r.revision >= before)
    .sort((a, b) => a.revision - b.revision);
}

const ended = (history: readonly HistoryEventView[]): string | undefined => {
  const last = history.find((e) =>
    ["ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated"].includes(e.EventType),
  );
  return last?.Timestamp ? new Date(last.Timestamp).toISOString() : undefined;
};

export function buildAuditRecord(source: AuditSource): AuditRecord {
  const resource = upgradeResource(source);
  const input: Partial<UpgradeInput> = UpgradeInputSchema.safeParse(source.input).data ?? {};
  const done = completions(source.history);
  const finished = resource.finished;
  const status = !finished && source.ending ? source.ending.status : resource.status;
  const reason = (!finished && source.ending ? source.ending.reason : resource.reason) ?? `the run is ${status}`;
  const output = isObject(source.output)
    ? (source.output as { plan?: RunPlan; revisionBefore?: number; revisionAfter?: number })
    : {};
  const plan = output.plan ?? lastOf<PrepareValuesResult>(done, "prepareValues")?.result.plan;
  const firstRead = done.find((c) => c.name === "readCurrentRelease" && (c.result as ReadReleaseResult).ok);
  const revisionBefore =
    output.revisionBefore ??
    source.ending?.revisionBefore ??
    (firstRead ? (firstRead.result as Extract<ReadReleaseResult, { ok: true }>).deployed?.revision : undefined);
  const revisionAfter = output.revisionAfter ?? source.ending?.revisionAfter;
  const stageEnd = resource.stages
    .map((s) => s.endedAt ?? s.startedAt)
    .sort()
    .at(-1);
  const endedAt = ended(source.history) ?? (source.ending ? stageEnd : undefined);
  const stages = resource.stages.map((s) => ({
    ...s,
    ...(s.endedAt ? { durationMs: Math.max(0, new Date(s.endedAt).getTime() - new Date(s.startedAt).getTime()) } : {}),
  }));
  const policy = input.policy;
  const record: AuditRecord = {
    schema: AUDIT_SCHEMA,
    runId: source.instanceId,
    ...(input.hopOf ? { hopOf: input.hopOf } : {}),
    cluster: resource.cluster,
    environment: resource.environment ?? policy?.environment ?? "unknown",
    requestedBy: input.requestedBy ?? { name: "unknown" },
    ...(input.requestedAt ? { requestedAt: input.requestedAt } : {}),
    ...(input.notBefore ? { notBefore: input.notBefore } : {}),
    ...(resource.fromRelease ? { fromRelease: resource.fromRelease } : {}),
    toRelease: resource.targetRelease,
    ...(resource.mode === "basic" || resource.mode === "data-upgrade" ? { mode: resource.mode } : {}),
    ...(plan ? { plan: planEvidence(plan) } : {}),
    ...(preChecks(done) ? { preChecks: preChecks(done) } : {}),
    approvals: {
      approvers: policy?.approvers ?? [],
      required: policy?.requiredApprovals ?? 1,
      selfApproval: policy?.selfApproval ?? false,
      asked: done
        .filter((c) => c.name === "requestDecision")
        .map((c) => ({ ...(c.at ? { at: c.at } : {}), recipients: (c.result as DecisionRequestResult).sent })),
      decisions: resource.approvals.decisions,
    },
    stages,
    helm: {
      ...(revisionBefore !== undefined ? { revisionBefore } : {}),
      ...(revisionAfter !== undefined ? { revisionAfter } : {}),
      revisions: revisions(done, revisionBefore),
      commands: helmCommands(done),
    },
    ...(dataUpgrade(done, plan) ? { dataUpgrade: dataUpgrade(done, plan) } : {}),
    ...(verification(done) ? { verification: verification(done) } : {}),
    downtime:
      source.hops && source.hops.length > 0
        ? chainDowntime(source.hops.map((h) => h.downtime))
        : computeDowntime(resource.stages, endedAt),
    emails: emails(done, resource.events),
    events: resource.events,
    outcome: {
      status,
      reason,
      finished: finished || source.ending !== undefined,
      ...(input.requestedAt || resource.createdAt ? { startedAt: input.requestedAt ?? resource.createdAt } : {}),
      ...(endedAt ? { endedAt } : {}),
    },
    builtAt: source.now.toISOString(),
    ...(source.hops && source.hops.length > 0 ? { hops: source.hops } : {}),
  };
  return redactStrings(record);
}
