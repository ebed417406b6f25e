/**
 * Builds the audit record of a run from what the run recorded: its input, its view (custom status or output) and
 * the evidence it kept as it went (lib/workflow/evidence.ts), passed in by the run itself when it archives, or
 * read from its output once it has ended. Nothing is searched for in Durable's history. Every string is redacted on
 * the way out.
 */
import { redactText } from "../redaction/index.js";
import { UpgradeInputSchema, type UpgradeInput } from "../workflow/contracts.js";
import { emptyEvidence, type RunEvidence } from "../workflow/evidence.js";
import type { RunStatus } from "../workflow/model.js";
import { upgradeResource, type OrchestrationSnapshot } from "../workflow/status.js";
import { chainDowntime, computeDowntime } from "./downtime.js";
import { AUDIT_SCHEMA, type AuditRecord } from "./record.js";

export interface AuditSource extends OrchestrationSnapshot {
  /** The run's evidence; when absent, the evidence in its output (a finished run), or none yet (a running one). */
  evidence?: RunEvidence;
  /** What a run says of itself when it archives its record, before Durable holds its output. */
  ending?: { status: RunStatus; reason: string; endedAt: string };
  hops?: AuditRecord[];
  now: Date;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

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

/** The evidence and end time a finished run returned as its output. */
function recorded(output: unknown): { evidence?: RunEvidence; endedAt?: string } {
  if (!isObject(output)) return {};
  return {
    ...(isObject(output.evidence) ? { evidence: output.evidence as RunEvidence } : {}),
    ...(typeof output.endedAt === "string" ? { endedAt: output.endedAt } : {}),
  };
}

const iso = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

export function buildAuditRecord(source: AuditSource): AuditRecord {
  const resource = upgradeResource(source);
  const input: Partial<UpgradeInput> = UpgradeInputSchema.safeParse(source.input).data ?? {};
  const output = recorded(source.output);
  const evidence = source.evidence ?? output.evidence ?? emptyEvidence();
  const ending = resource.finished ? undefined : source.ending;
  const status = ending?.status ?? resource.status;
  const reason = (ending ? ending.reason : resource.reason) ?? `the run is ${status}`;
  const finished = resource.finished || ending !== undefined;
  const endedAt = ending?.endedAt ?? output.endedAt ?? (resource.finished ? iso(source.lastUpdatedTime) : undefined);
  const stages = resource.stages.map((s) => ({
    ...s,
    ...(s.endedAt ? { durationMs: Math.max(0, new Date(s.endedAt).getTime() - new Date(s.startedAt).getTime()) } : {}),
  }));
  const policy = input.policy;
  const before = evidence.revisionBefore;
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
    ...(evidence.plan ? { plan: evidence.plan } : {}),
    ...(evidence.preChecks ? { preChecks: evidence.preChecks } : {}),
    ...(evidence.chartCheck ? { chartCheck: evidence.chartCheck } : {}),
    approvals: {
      approvers: policy?.approvers ?? [],
      required: policy?.requiredApprovals ?? 1,
      selfApproval: policy?.selfApproval ?? false,
      asked: evidence.asked,
      decisions: evidence.decisions.length > 0 ? evidence.decisions : resource.approvals.decisions,
      ...(evidence.refusedDecisions?.length ? { refused: evidence.refusedDecisions } : {}),
      ...(evidence.blockedDayOverrides?.length ? { blockedDayOverrides: evidence.blockedDayOverrides } : {}),
    },
    ...(evidence.schedule ? { schedule: evidence.schedule } : {}),
    stages,
    helm: {
      ...(before !== undefined ? { revisionBefore: before } : {}),
      ...(evidence.revisionAfter !== undefined ? { revisionAfter: evidence.revisionAfter } : {}),
      revisions: evidence.revisions.filter((r) => before === undefined || r.revision >= before),
      commands: evidence.helmCommands,
    },
    ...(evidence.procedure?.length ? { procedure: evidence.procedure } : {}),
    ...(evidence.dataUpgrade ? { dataUpgrade: evidence.dataUpgrade } : {}),
    ...(evidence.verification ? { verification: evidence.verification } : {}),
    ...(evidence.snapshots ? { snapshots: evidence.snapshots } : {}),
    ...(evidence.prePull ? { prePull: evidence.prePull } : {}),
    ...(evidence.restore ? { restore: evidence.restore } : {}),
    ...(evidence.retention ? { retention: evidence.retention } : {}),
    ...(evidence.restoreOf ? { restoreOf: evidence.restoreOf } : {}),
    downtime:
      source.hops && source.hops.length > 0
        ? chainDowntime(source.hops.map((h) => h.downtime))
        : computeDowntime(resource.stages, endedAt),
    ...(evidence.overrunNotices?.length ? { overrunNotices: evidence.overrunNotices } : {}),
    ...(evidence.diagnosis ? { diagnosis: evidence.diagnosis } : {}),
    emails: evidence.emails,
    events: evidence.events.length > 0 ? evidence.events : resource.events,
    outcome: {
      status,
      reason,
      finished,
      ...(input.requestedAt || resource.createdAt ? { startedAt: input.requestedAt ?? resource.createdAt } : {}),
      ...(endedAt ? { endedAt } : {}),
    },
    builtAt: source.now.toISOString(),
    ...(source.hops && source.hops.length > 0 ? { hops: source.hops } : {}),
  };
  return redactStrings(record);
}
