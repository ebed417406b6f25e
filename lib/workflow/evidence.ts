/**
 * What a run records as it goes, for its audit record: the pre-check readings, who was asked, every Helm command
 * and how it ended, the data upgrade's answer, the verification, the e-mails, the revisions seen. The orchestration
 * records each piece when it happens (orchestrators/run.ts); nothing is dug out of Durable's history afterwards.
 * Plain, redacted data: it travels in the run's output and in the archive activity's input.
 */
import { z } from "zod";
import type { DataUpgradeState } from "../clients/types.js";
import type { Plan } from "../plan/index.js";
import type { DataUpgradeObservation, VerifyObservation } from "./checks.js";

const iso = z.string().max(40);
const text = z.string().max(20_000);

export const QueueDepthSchema = z.object({ name: z.string(), messages: z.number(), consumers: z.number() });

export const QueueReadingSchema = z.object({
  ok: z.boolean(),
  depths: z.array(QueueDepthSchema).optional(),
  reason: text.optional(),
});

export const PreCheckEvidenceSchema = z.object({
  at: iso.optional(),
  ui: z.object({ ok: z.boolean(), status: z.number().optional(), elapsedMs: z.number(), error: text.optional() }),
  pods: z.object({
    total: z.number(),
    ready: z.number(),
    completed: z.number(),
    healthy: z.boolean(),
    problems: z.array(z.object({ pod: z.string(), reason: z.string(), detail: text })),
  }),
  logs: z.object({ windowSeconds: z.number(), errorLines: z.array(text) }),
  queues: QueueReadingSchema,
});

export const HelmCommandSchema = z.object({
  at: iso.optional(),
  kind: z.enum(["upgrade", "rollback"]),
  phase: z.string().optional(),
  attempt: z.number().int().optional(),
  command: text,
  resumed: z.boolean(),
  started: z.boolean(),
  exitCode: z.number().int().optional(),
  outcome: text.optional(),
  /** Helm reported a timeout and the pods were watched for the profile's grace: did the release come up? */
  timeoutGrace: z.object({ ok: z.boolean(), summary: text }).optional(),
});

/** The pre-check that the target chart resolves from the cluster's chart source (`helm show chart`). */
export const ChartCheckSchema = z.object({
  at: iso,
  command: text,
  ok: z.boolean(),
  /** `chart-not-found` or `chart-source-unreachable` when it failed. */
  code: z.string().optional(),
  summary: text,
});

/** One of a release page's procedure steps as it ran (lib/workflow/procedure.ts). */
export const ProcedureStepSchema = z.object({
  phase: z.enum(["beforeHelm", "afterHelm"]),
  id: z.string(),
  command: text,
  outcome: z.enum(["done", "failed", "not-run"]),
  exitCode: z.number().int().optional(),
  endedAt: iso.optional(),
  output: text,
});

export const RevisionSchema = z.object({
  revision: z.number().int(),
  status: z.string(),
  chartVersion: z.string(),
  appVersion: z.string(),
  description: text,
  updatedAt: z.string(),
});

export const EmailSchema = z.object({
  at: iso.optional(),
  kind: z.string(),
  recipients: z.array(z.string()).optional(),
  recipientCount: z.number().int().min(0).optional(),
  ok: z.boolean(),
  messageId: z.string().optional(),
  failures: z.array(z.object({ recipient: z.string(), reason: text })).optional(),
});

export const DataUpgradeEvidenceSchema = z.object({
  toVersion: z.string().optional(),
  resource: z
    .object({ name: z.string(), phase: z.string().optional(), message: text.optional(), created: z.boolean() })
    .optional(),
  response: z.object({ status: z.number(), line: text }).optional(),
  ok: z.boolean(),
  summary: text,
});

export const VerificationSchema = z.object({
  ok: z.boolean(),
  summary: text,
  release: RevisionSchema.optional(),
  podsReady: z.string().optional(),
  applicationStarted: z.boolean().optional(),
  ui: z.object({ ok: z.boolean(), status: z.number().optional(), elapsedMs: z.number() }).optional(),
});

const FindingSchema = z.object({ code: z.string(), message: text });

export const PlanEvidenceSchema = z.object({
  valuesFile: z.string(),
  fromChart: z.string(),
  toChart: z.string(),
  fromRevision: z.number().int(),
  /** The redacted unified diff of the values (cut when long: `diffSha256` names the whole diff). */
  diff: text,
  diffSha256: z.string(),
  diffTruncated: z.boolean(),
  changes: z.array(
    z.object({ kind: z.string(), path: z.string(), from: text.optional(), to: text.optional(), reason: text }),
  ),
  warnings: z.array(FindingSchema),
  blockers: z.array(FindingSchema),
  expectedDowntimeMinutes: z.number(),
  releaseNotesUrl: z.string(),
});

export const DecisionSchema = z.object({
  kind: z.string(),
  requestId: z.string(),
  approver: z.string(),
  choice: z.string(),
  decidedAt: iso,
  reason: text.optional(),
  principal: z.string().optional(),
  clientAddress: z.string().optional(),
  /** What the signature check found; absent on runs that predate signed decisions. */
  signed: z.enum(["verified", "unsigned", "invalid"]).optional(),
});

/** A decision the run refused to count, and why. */
export const RefusedDecisionSchema = DecisionSchema.extend({ refusal: text });

export const EventSchema = z.object({ at: iso, message: text });

export const AskedSchema = z.object({ at: iso.optional(), recipients: z.array(z.string()) });

/** When the Helm change was scheduled to start, and in which maintenance window. */
export const ScheduleEvidenceSchema = z.object({
  startsAt: iso,
  window: z.object({ opensAt: iso, closesAt: iso }).optional(),
  timeZone: z.string().optional(),
  blockedDays: z.array(z.string()),
});

/** An approver let the change start on a blocked day: who, why, which day. */
export const BlockedDayOverrideSchema = z.object({
  approver: z.string(),
  reason: text,
  day: z.string(),
  startsAt: iso,
  decidedAt: iso,
  signed: z.enum(["verified", "unsigned", "invalid"]).optional(),
});

/** One update to users that the downtime overran a threshold (a multiple of the expected downtime). */
export const OverrunNoticeSchema = z.object({ factor: z.number(), at: iso, stage: z.string() });

/** What the pods showed when a check found them unhealthy: one line per pod, redacted (lib/workflow/diagnosis.ts). */
export const DiagnosisEvidenceSchema = z.object({
  at: iso,
  lines: z.array(text),
  pods: z.array(
    z.object({ pod: z.string(), symptom: z.string(), cause: text, line: text.optional(), container: z.string() }),
  ),
  /** Why the symptoms could not be read, when they could not. */
  error: text.optional(),
});

const WorkloadSchema = z.object({ kind: z.string(), name: z.string(), replicas: z.number().int() });

/** The snapshot stage: what was covered, what was stopped (and its replicas, to bring it back), what was taken. */
export const SnapshotEvidenceSchema = z.object({
  className: z.string(),
  classCreated: z.boolean().optional(),
  coverage: z.array(
    z.object({
      pvc: z.string(),
      covered: z.boolean(),
      waived: z.boolean().optional(),
      reason: text.optional(),
      size: z.string().optional(),
    }),
  ),
  quiesced: z.array(WorkloadSchema),
  set: z.array(
    z.object({
      name: z.string(),
      pvc: z.string(),
      restoreSize: z.string().optional(),
      readyAt: iso.optional(),
      content: z.string().optional(),
      handle: z.string().optional(),
      error: text.optional(),
    }),
  ),
  ok: z.boolean(),
  summary: text,
  startedAt: iso.optional(),
  endedAt: iso.optional(),
  deleted: z.array(z.string()).optional(),
});

/**
 * The node pre-check and the image pre-pull (lib/workflow/prepull.ts): the target's images, the capacity and disk
 * findings before approval, then per node what the pre-pull left there (images, bytes, how long it took).
 */
export const PrePullEvidenceSchema = z.object({
  mode: z.enum(["best-effort", "required", "off"]),
  images: z.array(z.string()),
  check: z
    .object({
      at: iso,
      nodes: z.array(z.object({ name: z.string(), missing: z.number().int(), bytes: z.number() })),
      findings: z.array(z.object({ code: z.string(), node: z.string(), message: text })),
    })
    .optional(),
  name: z.string().optional(),
  startedAt: iso.optional(),
  endedAt: iso.optional(),
  deadline: iso.optional(),
  nodes: z
    .array(
      z.object({
        node: z.string(),
        pulled: z.array(z.string()),
        missing: z.array(z.string()),
        unknown: z.array(z.string()),
        bytes: z.number(),
        durationMs: z.number().optional(),
        waiting: text.optional(),
      }),
    )
    .optional(),
  ok: z.boolean().optional(),
  summary: text.optional(),
  deleted: z.boolean().optional(),
});

/** A restore from the snapshot set: who chose it, which claims came back, which old volumes were retained. */
export const RestoreEvidenceSchema = z.object({
  claims: z.array(z.object({ pvc: z.string(), snapshot: z.string() })),
  retainedVolumes: z.array(z.string()),
  toRevision: z.number().int().optional(),
  ok: z.boolean(),
  summary: text,
});

/** A stand-alone restore: the run whose set it restores, why it was asked, and what the release did since that run. */
export const RestoreRequestEvidenceSchema = z.object({
  runId: z.string(),
  reason: text,
  toRevision: z.number().int(),
  fromRelease: z.string(),
  fromChart: z.string(),
  set: z.array(z.object({ name: z.string(), pvc: z.string(), restoreSize: z.string().optional(), readyAt: iso })),
  /** Revisions made after that run: a rollback to before it undoes them too (the approvers were told). */
  revisionsSince: z.array(RevisionSchema),
});

export const RetentionEvidenceSchema = z.object({
  keep: z.number().int(),
  sets: z.number().int(),
  deleted: z.array(z.object({ run: z.string(), names: z.array(z.string()) })),
  skipped: z.array(z.object({ run: z.string(), why: text })),
  ok: z.boolean(),
  summary: text,
});

export const RunEvidenceSchema = z.object({
  plan: PlanEvidenceSchema.optional(),
  /** Every counted decision with its whole reason (the view keeps a shortened one). */
  decisions: z.array(DecisionSchema),
  /** Decisions refused because their signature was missing or did not match (raised around the approval route). */
  refusedDecisions: z.array(RefusedDecisionSchema).optional(),
  /** Every event of the run, whole (the view keeps the newest few, shortened). */
  events: z.array(EventSchema),
  preChecks: PreCheckEvidenceSchema.optional(),
  asked: z.array(AskedSchema),
  helmCommands: z.array(HelmCommandSchema),
  chartCheck: ChartCheckSchema.optional(),
  /** The release page's own steps, in the order they were to run; absent when it has none. */
  procedure: z.array(ProcedureStepSchema).optional(),
  dataUpgrade: DataUpgradeEvidenceSchema.optional(),
  verification: VerificationSchema.optional(),
  emails: z.array(EmailSchema),
  /** Every revision the run saw, by number; `revisionBefore` is the one it upgraded from. */
  revisions: z.array(RevisionSchema),
  revisionBefore: z.number().int().optional(),
  revisionAfter: z.number().int().optional(),
  /** The release as the run last read it: the cluster state its closing e-mail reports. */
  lastRelease: RevisionSchema.optional(),
  schedule: ScheduleEvidenceSchema.optional(),
  blockedDayOverrides: z.array(BlockedDayOverrideSchema).optional(),
  overrunNotices: z.array(OverrunNoticeSchema).optional(),
  diagnosis: DiagnosisEvidenceSchema.optional(),
  snapshots: SnapshotEvidenceSchema.optional(),
  prePull: PrePullEvidenceSchema.optional(),
  restore: RestoreEvidenceSchema.optional(),
  retention: RetentionEvidenceSchema.optional(),
  /** Set by a stand-alone restore (lib/workflow/restores.ts): the run it restores and what the approvers saw. */
  restoreOf: RestoreRequestEvidenceSchema.optional(),
});
export type SnapshotEvidence = z.infer<typeof SnapshotEvidenceSchema>;
export type PrePullEvidence = z.infer<typeof PrePullEvidenceSchema>;
export type RestoreEvidence = z.infer<typeof RestoreEvidenceSchema>;
export type RetentionEvidence = z.infer<typeof RetentionEvidenceSchema>;
export type RestoreRequestEvidence = z.infer<typeof RestoreRequestEvidenceSchema>;

export type PreCheckEvidence = z.infer<typeof PreCheckEvidenceSchema>;
export type QueueReading = z.infer<typeof QueueReadingSchema>;
export type HelmCommand = z.infer<typeof HelmCommandSchema>;
export type ChartCheck = z.infer<typeof ChartCheckSchema>;
export type ProcedureStepEvidence = z.infer<typeof ProcedureStepSchema>;
export type EmailSent = z.infer<typeof EmailSchema>;
export type DataUpgradeEvidence = z.infer<typeof DataUpgradeEvidenceSchema>;
export type Verification = z.infer<typeof VerificationSchema>;
export type PlanEvidence = z.infer<typeof PlanEvidenceSchema>;
export type RunEvidence = z.infer<typeof RunEvidenceSchema>;
export type RefusedDecision = z.infer<typeof RefusedDecisionSchema>;
export type ScheduleEvidence = z.infer<typeof ScheduleEvidenceSchema>;
export type BlockedDayOverride = z.infer<typeof BlockedDayOverrideSchema>;
export type OverrunNotice = z.infer<typeof OverrunNoticeSchema>;
export type DiagnosisEvidence = z.infer<typeof DiagnosisEvidenceSchema>;

export const emptyEvidence = (): RunEvidence => ({
  decisions: [],
  events: [],
  asked: [],
  helmCommands: [],
  emails: [],
  revisions: [],
});

/** What the audit keeps of a plan: the redacted diff and its hash, the changes and findings; no prepared values. */
export function planEvidence(plan: Plan): PlanEvidence {
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

interface Watched<Observation> {
  ok: boolean;
  summary: string;
  observation?: Observation;
}

/** The data upgrade as the run saw it: the resource it applied, and the server's answer when it was watched. */
export function dataUpgradeEvidence(args: {
  toVersion?: string;
  applied?: DataUpgradeState;
  watched?: Watched<DataUpgradeObservation>;
}): DataUpgradeEvidence {
  const { applied, watched } = args;
  const resource = watched?.observation?.resource ?? applied;
  const response = watched?.observation?.logs.dataUpgradeResponse;
  return {
    ...(args.toVersion ? { toVersion: args.toVersion } : {}),
    ...(resource
      ? {
          resource: {
            name: resource.name,
            created: applied?.created ?? resource.created,
            ...(resource.phase ? { phase: resource.phase } : {}),
            ...(resource.message ? { message: resource.message } : {}),
          },
        }
      : {}),
    ...(response ? { response: { status: response.status, line: response.line } } : {}),
    ok: watched?.ok ?? false,
    summary: watched?.summary ?? "the data upgrade was applied but not watched",
  };
}

export function verificationEvidence(watched: Watched<VerifyObservation>): Verification {
  const seen = watched.observation;
  return {
    ok: watched.ok,
    summary: watched.summary,
    ...(seen?.release ? { release: seen.release } : {}),
    ...(seen
      ? {
          podsReady: `${seen.pods.ready}/${seen.pods.total}`,
          applicationStarted: seen.logs.applicationStarted,
          ui: { ok: seen.ui.ok, elapsedMs: seen.ui.elapsedMs, ...(seen.ui.status ? { status: seen.ui.status } : {}) },
        }
      : {}),
  };
}
