/**
 * Every activity of the workflow, defined once (lib/workflow/definition.ts): its name, its input schema, its result.
 */
import type { InvocationContext } from "@azure/functions";
import type { RegisteredActivity } from "durable-functions";
import { z } from "zod";
import { define, type Definition, type ParsedInputOf, type Registered, type ResultOf } from "./definition.js";
import { RunEvidenceSchema } from "./evidence.js";
import type {
  ApplyDataUpgradeResult,
  CheckNodesResult,
  CheckPodsResult,
  DecisionRequestResult,
  DiagnosePodsResult,
  NotifyResult,
  ObserveDataUpgradeResult,
  ObserveVerifyResult,
  PollCommandResult,
  PreChecksResult,
  PrepareValuesResult,
  ReadReleaseResult,
  StartCommandResult,
  StartProcedureResult,
} from "./contracts.js";
import { DecisionEventSchema, DecisionKindSchema, RUN_STATUSES } from "./model.js";
import type { PastDurations } from "./polling.js";
import { PROCEDURE_PHASES } from "./procedure.js";
import type { NodeImagesVerdict, PrePullObservation } from "./prepull.js";
import type {
  ClaimRestoreObservation,
  SnapshotClassInfo,
  SnapshotObservation,
  VolumeInventory,
  WorkloadScale,
} from "./snapshots.js";

/** A handler as the composition root wires it: its input already parsed by the definition's schema. */
export type ActivityHandler<D> = (input: ParsedInputOf<D>, context: InvocationContext) => Promise<ResultOf<D>>;

/** A registered activity: what the orchestrations are given. */
export type Activity<S extends z.ZodType = z.ZodType, R = unknown> = Registered<S, R, RegisteredActivity>;

export const ClusterRefSchema = z.object({ cluster: z.string().min(1).max(63) });

export const CommandHandleSchema = z.discriminatedUnion("driver", [
  z.object({ driver: z.literal("run-command"), commandId: z.string().min(1).max(200), startedAt: z.string() }),
  z.object({ driver: z.literal("cli"), runId: z.string().min(1).max(200), startedAt: z.string() }),
  z.object({ driver: z.literal("release"), revision: z.number().int().positive(), startedAt: z.string() }),
]);

const runId = z.string().max(200);
const k8sName = z.string().min(1).max(253);

export const WorkloadTargetSchema = z.object({
  kind: z.enum(["Deployment", "StatefulSet"]),
  name: k8sName,
  replicas: z.number().int().min(0).max(1000),
});
const release = z.string().max(20);
const extraValues = z
  .string()
  .max(256 * 1024)
  .optional();

export const HELM_PHASES = ["basic", "upgrade-mode", "finalize"] as const;

/** The e-mails `notify` sends; decision requests have an activity of their own. */
export const NOTIFICATION_KINDS = [
  "upgrade-scheduled",
  "downtime-notice",
  "downtime-overrun",
  "completed",
  "failed",
  "halted",
  "rejected",
  "restored",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const ACTIVITIES = {
  readCurrentRelease: define<ReadReleaseResult>()("readCurrentRelease", ClusterRefSchema),
  prepareValues: define<PrepareValuesResult>()(
    "prepareValues",
    ClusterRefSchema.extend({
      revision: z.number().int().positive(),
      valuesFingerprint: z.string().min(1),
      targetRelease: release,
      extraValues,
    }),
  ),
  runPreChecks: define<PreChecksResult>()(
    "runPreChecks",
    ClusterRefSchema.extend({ logWindowSeconds: z.number().int().positive() }),
  ),
  startQueueListing: define<StartCommandResult>()("startQueueListing", ClusterRefSchema),
  startChartCheck: define<StartCommandResult>()(
    "startChartCheck",
    ClusterRefSchema.extend({ chartVersion: z.string().max(40) }),
  ),
  startProcedure: define<StartProcedureResult>()(
    "startProcedure",
    ClusterRefSchema.extend({ targetRelease: release, phase: z.enum(PROCEDURE_PHASES) }),
  ),
  requestDecision: define<DecisionRequestResult>()(
    "requestDecision",
    ClusterRefSchema.extend({
      runId,
      requestId: z.string().max(100),
      kind: DecisionKindSchema,
      approvers: z.array(z.string().max(320)).max(100),
      expiresAt: z.iso.datetime(),
      reminder: z.boolean(),
      summary: z.object({
        environment: z.string().max(63),
        fromRelease: release.optional(),
        targetRelease: release,
        mode: z.string().max(20).optional(),
        question: z.string().max(2000),
        requestedBy: z.string().max(320),
        /** The plan's commands, one line each (lib/notifications/wording.ts commandLines). */
        commands: z.array(z.string().max(4000)).max(60).optional(),
        /** Set by a stand-alone restore: the run whose snapshot set it restores. */
        restoreOf: runId.optional(),
      }),
    }),
  ),
  verifyDecision: define<VerifyDecisionResult>()(
    "verifyDecision",
    z.object({ runId, kind: DecisionKindSchema, event: DecisionEventSchema }),
  ),
  notify: define<NotifyResult>()(
    "notify",
    ClusterRefSchema.extend({
      runId,
      kind: z.enum(NOTIFICATION_KINDS),
      to: z.array(z.string().max(320)).min(1).max(200),
      subjectDetail: z.string().max(200),
      lines: z.array(z.string().max(4000)).max(20),
      environment: z.string().max(63),
      targetRelease: release,
      /** Set by a stand-alone restore: the run whose snapshot set it restores. */
      restoreOf: runId.optional(),
    }),
  ),
  startHelmUpgrade: define<StartCommandResult>()(
    "startHelmUpgrade",
    ClusterRefSchema.extend({
      runId,
      phase: z.enum(HELM_PHASES),
      attempt: z.number().int().positive(),
      sourceRevision: z.number().int().positive(),
      valuesFingerprint: z.string().min(1),
      targetRelease: release,
      extraValues,
      helmTimeoutMs: z.number().int().positive(),
      /** The command as the plan showed it (stand-ins for the values file and marker); absent in older runs. */
      approvedCommand: z.string().max(4000).optional(),
    }),
  ),
  startHelmRollback: define<StartCommandResult>()(
    "startHelmRollback",
    ClusterRefSchema.extend({
      runId,
      toRevision: z.number().int().positive(),
      attempt: z.number().int().positive(),
      helmTimeoutMs: z.number().int().positive(),
    }),
  ),
  applyDataUpgrade: define<ApplyDataUpgradeResult>()(
    "applyDataUpgrade",
    ClusterRefSchema.extend({
      toVersion: z.string().regex(/^Version\d+$/),
      chartVersion: z.string().max(40),
      recreate: z.boolean(),
    }),
  ),
  pollCommand: define<PollCommandResult>()("pollCommand", ClusterRefSchema.extend({ handle: CommandHandleSchema })),
  checkPods: define<CheckPodsResult>()("checkPods", ClusterRefSchema),
  diagnosePods: define<DiagnosePodsResult>()("diagnosePods", ClusterRefSchema),
  observeDataUpgrade: define<ObserveDataUpgradeResult>()(
    "observeDataUpgrade",
    ClusterRefSchema.extend({ name: z.string().max(63), sinceSeconds: z.number().int().positive() }),
  ),
  observeVerify: define<ObserveVerifyResult>()(
    "observeVerify",
    ClusterRefSchema.extend({ sinceSeconds: z.number().int().positive() }),
  ),
  inventoryVolumes: define<VolumeInventory>()("inventoryVolumes", ClusterRefSchema),
  listWorkloads: define<WorkloadScale[]>()("listWorkloads", ClusterRefSchema),
  scaleWorkloads: define<{ scaled: number }>()(
    "scaleWorkloads",
    ClusterRefSchema.extend({ targets: z.array(WorkloadTargetSchema).max(100) }),
  ),
  ensureSnapshotClass: define<{ created: boolean; class: SnapshotClassInfo }>()(
    "ensureSnapshotClass",
    ClusterRefSchema.extend({ name: k8sName }),
  ),
  createSnapshots: define<{ name: string; created: boolean }[]>()(
    "createSnapshots",
    ClusterRefSchema.extend({
      runId,
      className: k8sName,
      set: z.array(z.object({ name: k8sName, pvc: k8sName })).max(100),
    }),
  ),
  observeSnapshots: define<SnapshotObservation[]>()(
    "observeSnapshots",
    ClusterRefSchema.extend({ names: z.array(k8sName).max(100) }),
  ),
  deleteSnapshots: define<{ deleted: string[] }>()(
    "deleteSnapshots",
    ClusterRefSchema.extend({ names: z.array(k8sName).max(500) }),
  ),
  applyRetention: define<RetentionResult>()(
    "applyRetention",
    ClusterRefSchema.extend({ keep: z.number().int().min(1), protectRuns: z.array(z.string().max(200)).max(10) }),
  ),
  restoreClaims: define<{ retained: string[] }>()(
    "restoreClaims",
    ClusterRefSchema.extend({
      claims: z
        .array(z.object({ pvc: k8sName, snapshot: k8sName, restoreSize: z.string().max(40).optional() }))
        .max(100),
    }),
  ),
  observeClaims: define<ClaimRestoreObservation[]>()(
    "observeClaims",
    ClusterRefSchema.extend({ names: z.array(k8sName).max(100) }),
  ),
  /** Runs from 2.3: previous runs' stage times from the cluster's audit records, for adaptive polling. */
  readPastRuns: define<PastDurations>()(
    "readPastRuns",
    ClusterRefSchema.extend({ mode: z.enum(["basic", "data-upgrade"]), toVersion: z.string().max(20).optional() }),
  ),
  checkNodes: define<CheckNodesResult>()(
    "checkNodes",
    ClusterRefSchema.extend({ fromTag: z.string().min(1).max(128), toTag: z.string().min(1).max(128) }),
  ),
  startPrePull: define<{ name: string; created: boolean }>()(
    "startPrePull",
    ClusterRefSchema.extend({
      runId,
      images: z.array(z.string().min(1).max(500)).min(1).max(60),
      nodes: z.array(k8sName).max(500),
    }),
  ),
  observePrePull: define<PrePullObservation>()("observePrePull", ClusterRefSchema.extend({ name: k8sName })),
  verifyPrePull: define<NodeImagesVerdict[]>()(
    "verifyPrePull",
    ClusterRefSchema.extend({
      images: z.array(z.string().min(1).max(500)).max(60),
      nodes: z.array(k8sName).max(500),
    }),
  ),
  deletePrePull: define<{ deleted: boolean }>()("deletePrePull", ClusterRefSchema.extend({ name: k8sName })),
  archiveRun: define<ArchiveRunResult>()(
    "archiveRun",
    z.object({
      runId: z.string().min(1).max(200),
      status: z.enum(RUN_STATUSES),
      reason: z.string().max(20_000),
      endedAt: z.iso.datetime(),
      evidence: RunEvidenceSchema,
    }),
  ),
} as const;

/** Whether a decision event carries the approval route's signature; the orchestration counts only those. */
export type VerifyDecisionResult = { ok: true } | { ok: false; reason: "unsigned" | "invalid"; message: string };

/** What retention deleted (sets by run label) and what it kept; a set whose run has not finished is never deleted. */
export interface RetentionResult {
  sets: number;
  deleted: { run: string; names: string[] }[];
  skipped: { run: string; why: string }[];
}

export type ArchiveRunResult =
  { ok: true; created: boolean; location: string; downtimeMs?: number } | { ok: false; reason: string };

type Definitions = typeof ACTIVITIES;

/** The registered handles, one per definition: what the orchestrations are given. */
export type WorkflowActivities = {
  [K in keyof Definitions]: Definitions[K] extends Definition<infer S, infer R> ? Activity<S, R> : never;
};
