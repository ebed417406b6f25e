/**
 * The audit record of one upgrade run: who asked, who approved, what changed on the cluster, how long CluedIn was
 * down, who was told. Built from the orchestration's own history (never a second source of truth) and kept by the
 * audit sink after the run ends, so purging Durable's history loses nothing. The schema validates what a sink
 * returns and documents the route in the OpenAPI document.
 */
import { z } from "zod";
import { RUN_STATUSES, STAGES } from "../workflow/model.js";

export const AUDIT_SCHEMA = "cluedin-upgrade/audit@1";

const iso = z.string().max(40);
const text = z.string().max(20_000);

const FindingSchema = z.object({ code: z.string(), message: text });

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

export const DecisionSchema = z.object({
  kind: z.string(),
  requestId: z.string(),
  approver: z.string(),
  choice: z.string(),
  decidedAt: iso,
  reason: text.optional(),
  principal: z.string().optional(),
  clientAddress: z.string().optional(),
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
});

const RevisionSchema = z.object({
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

const QueueDepthSchema = z.object({ name: z.string(), messages: z.number(), consumers: z.number() });

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
  queues: z.object({ ok: z.boolean(), depths: z.array(QueueDepthSchema).optional(), reason: text.optional() }),
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

const PlanEvidenceSchema = z.object({
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
  approvals: z.object({
    approvers: z.array(z.string()),
    required: z.number().int(),
    selfApproval: z.boolean(),
    asked: z.array(z.object({ at: iso.optional(), recipients: z.array(z.string()) })),
    decisions: z.array(DecisionSchema),
  }),
  stages: z.array(StageTimeSchema),
  helm: z.object({
    revisionBefore: z.number().int().optional(),
    revisionAfter: z.number().int().optional(),
    revisions: z.array(RevisionSchema),
    commands: z.array(HelmCommandSchema),
  }),
  dataUpgrade: DataUpgradeEvidenceSchema.optional(),
  verification: VerificationSchema.optional(),
  downtime: DowntimeSchema,
  emails: z.array(EmailSchema),
  events: z.array(z.object({ at: iso, message: text })),
  outcome: z.object({
    status: z.enum(RUN_STATUSES),
    reason: text,
    finished: z.boolean(),
    startedAt: iso.optional(),
    endedAt: iso.optional(),
  }),
  builtAt: iso,
});

export type AuditRecord = z.infer<typeof AuditRecordBase> & { hops?: AuditRecord[] };

/** A chain run's record holds one record per hop. */
export const AuditRecordSchema: z.ZodType<AuditRecord> = AuditRecordBase.extend({
  get hops() {
    return z.array(AuditRecordSchema).optional();
  },
});

export type StageTime = z.infer<typeof StageTimeSchema>;
export type Downtime = z.infer<typeof DowntimeSchema>;
export type HelmCommand = z.infer<typeof HelmCommandSchema>;
export type EmailSent = z.infer<typeof EmailSchema>;
