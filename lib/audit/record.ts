/**
 * The audit record of one upgrade run: who asked, who approved, what changed on the cluster, how long CluedIn was
 * down, who was told. Built from the evidence the run recorded as it went (lib/workflow/evidence.ts) and kept by the
 * audit sink after the run ends, so purging Durable's history loses nothing. The schema validates what a sink
 * returns and documents the route in the OpenAPI document.
 */
import { z } from "zod";
import {
  AskedSchema,
  BlockedDayOverrideSchema,
  DiagnosisEvidenceSchema,
  OverrunNoticeSchema,
  ScheduleEvidenceSchema,
  ChartCheckSchema,
  DataUpgradeEvidenceSchema,
  DecisionSchema,
  EventSchema,
  EmailSchema,
  HelmCommandSchema,
  PlanEvidenceSchema,
  PreCheckEvidenceSchema,
  ProcedureStepSchema,
  RefusedDecisionSchema,
  RestoreEvidenceSchema,
  RestoreRequestEvidenceSchema,
  RetentionEvidenceSchema,
  RevisionSchema,
  SnapshotEvidenceSchema,
  PrePullEvidenceSchema,
  VerificationSchema,
} from "../workflow/evidence.js";
import { RUN_STATUSES, STAGES } from "../workflow/model.js";

export const AUDIT_SCHEMA = "cluedin-upgrade/audit@1";

const iso = z.string().max(40);
const text = z.string().max(20_000);

export const StageTimeSchema = z.object({
  name: z.enum(STAGES),
  state: z.enum(["running", "succeeded", "failed", "skipped"]),
  startedAt: iso,
  endedAt: iso.optional(),
  durationMs: z.number().int().min(0).optional(),
  note: text.optional(),
});

export const DowntimeSchema = z.object({
  /** When the first Helm upgrade (basic `helm-upgrade`, or `upgrade-mode`) started: the UI may go down from here. */
  startedAt: iso.optional(),
  /** When verification proved the UI answers again; absent when it never did. */
  endedAt: iso.optional(),
  durationMs: z.number().int().min(0).optional(),
  /** false: the UI was not verified back; the duration runs to the end of the run and is a lower bound. */
  confirmed: z.boolean(),
  method: z.string(),
});

const AuditRecordBase = z.object({
  schema: z.literal(AUDIT_SCHEMA),
  runId: z.string(),
  hopOf: z.string().optional(),
  cluster: z.string(),
  environment: z.string(),
  requestedBy: z.object({ name: z.string(), email: z.string().optional(), principalId: z.string().optional() }),
  requestedAt: iso.optional(),
  notBefore: iso.optional(),
  fromRelease: z.string().optional(),
  toRelease: z.string(),
  mode: z.enum(["basic", "data-upgrade"]).optional(),
  plan: PlanEvidenceSchema.optional(),
  preChecks: PreCheckEvidenceSchema.optional(),
  /** That the target chart resolved from the cluster's chart source before approval was asked. */
  chartCheck: ChartCheckSchema.optional(),
  approvals: z.object({
    approvers: z.array(z.string()),
    required: z.number().int(),
    selfApproval: z.boolean(),
    asked: z.array(AskedSchema),
    decisions: z.array(DecisionSchema),
    /** Decisions not counted because they were unsigned or their signature did not match. */
    refused: z.array(RefusedDecisionSchema).optional(),
    /** Approvers who let the change start on a blocked day, with their reasons. */
    blockedDayOverrides: z.array(BlockedDayOverrideSchema).optional(),
  }),
  /** When the Helm change was scheduled to start (runs from version 2.2). */
  schedule: ScheduleEvidenceSchema.optional(),
  stages: z.array(StageTimeSchema),
  helm: z.object({
    revisionBefore: z.number().int().optional(),
    revisionAfter: z.number().int().optional(),
    revisions: z.array(RevisionSchema),
    commands: z.array(HelmCommandSchema),
  }),
  /** The release page's own steps around the Helm upgrade, each with how it ended. */
  procedure: z.array(ProcedureStepSchema).optional(),
  dataUpgrade: DataUpgradeEvidenceSchema.optional(),
  verification: VerificationSchema.optional(),
  /** The snapshot set taken before the first Helm change, the restore from it, and retention of old sets. */
  snapshots: SnapshotEvidenceSchema.optional(),
  /** The node capacity check and the image pre-pull before the downtime. */
  prePull: PrePullEvidenceSchema.optional(),
  restore: RestoreEvidenceSchema.optional(),
  retention: RetentionEvidenceSchema.optional(),
  /** A stand-alone restore's record links the run whose snapshot set it restored. */
  restoreOf: RestoreRequestEvidenceSchema.optional(),
  downtime: DowntimeSchema,
  /** The updates users got because the downtime overran what they were told. */
  overrunNotices: z.array(OverrunNoticeSchema).optional(),
  /** The unhealthy pods' symptoms and likely causes, when a check found them unhealthy. */
  diagnosis: DiagnosisEvidenceSchema.optional(),
  emails: z.array(EmailSchema),
  events: z.array(EventSchema),
  outcome: z.object({
    status: z.enum(RUN_STATUSES),
    reason: text,
    finished: z.boolean(),
    startedAt: iso.optional(),
    endedAt: iso.optional(),
  }),
  builtAt: iso,
});

export type AuditRecord = z.infer<typeof AuditRecordBase> & { hops?: AuditRecord[] | undefined };

/** A chain run's record holds one record per hop. */
export const AuditRecordSchema: z.ZodType<AuditRecord> = AuditRecordBase.extend({
  get hops() {
    return z.array(AuditRecordSchema).optional();
  },
});

export type StageTime = z.infer<typeof StageTimeSchema>;
export type Downtime = z.infer<typeof DowntimeSchema>;
export type { EmailSent, HelmCommand } from "../workflow/evidence.js";
