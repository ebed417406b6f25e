/**
 * The run's input and what the workflow's activities answer (each activity checks its own input with its schema).
 * These shapes travel through orchestration history: they name clusters and revisions, never credentials or secret
 * values.
 */
import { z } from "zod";
import { WEEKDAYS } from "../config/clusters.js";
import type {
  CommandHandle,
  CommandPoll,
  DataUpgradeState,
  HelmRevision,
  PodsSummary,
  QueueDepth,
} from "../clients/types.js";
import type { Plan } from "../plan/index.js";
import type { Finding } from "../values/index.js";
import type { PodDiagnosis } from "./diagnosis.js";
import { SnapshotPolicySchema } from "./snapshots.js";
import { PrePullPolicySchema, type CapacityFinding } from "./prepull.js";
import type { DataUpgradeObservation, PreCheckObservation, VerifyObservation } from "./checks.js";
import type { PlannedStep } from "./procedure.js";

/** The parts of a cluster profile that govern one run, copied into its input so history records them. */
export const RunPolicySchema = z.object({
  environment: z.string(),
  approvers: z.array(z.string()),
  escalation: z.array(z.string()),
  notifyUsers: z.array(z.string()),
  notifyOperators: z.array(z.string()),
  requiredApprovals: z.number().int().min(1),
  selfApproval: z.boolean(),
  rollback: z.enum(["auto", "ask"]),
  reminderAfterMs: z.number().int().positive().optional(),
  escalateAfterMs: z.number().int().positive().optional(),
  approvalDeadlineMs: z.number().int().positive(),
  decisionDeadlineMs: z.number().int().positive(),
  pollIntervalMs: z.number().int().positive(),
  queueDrainDeadlineMs: z.number().int().positive(),
  helmTimeoutMs: z.number().int().positive(),
  /** How long pods are still watched after Helm reports a timeout; absent in runs started before it existed. */
  helmTimeoutGraceMs: z.number().int().min(0).optional(),
  podsReadyDeadlineMs: z.number().int().positive(),
  dataUpgradeDeadlineMs: z.number().int().positive(),
  verifyDeadlineMs: z.number().int().positive(),
  queueDepthMax: z.number().int().min(0),
  logWindowSeconds: z.number().int().positive(),
  expectedDowntimeMinutes: z.number().int().positive(),
  /** Absent on runs started before blocked days and the profile's window applied (ORCHESTRATION_VERSION 2.2). */
  blockedDays: z.array(z.enum(WEEKDAYS)).optional(),
  timeZone: z.string().optional(),
  maintenanceWindow: z
    .object({ days: z.array(z.enum(WEEKDAYS)).min(1), start: z.string(), duration: z.number().int().positive() })
    .optional(),
  businessImpact: z.string().optional(),
  /** Absent on runs started before snapshots existed (lib/workflow/version.ts). */
  snapshots: SnapshotPolicySchema.optional(),
  /** Absent on runs started before the image pre-pull existed (lib/workflow/version.ts). */
  prePull: PrePullPolicySchema.optional(),
});
export type RunPolicy = z.infer<typeof RunPolicySchema>;

export const RequesterSchema = z.object({
  name: z.string().max(200),
  email: z.string().max(320).optional(),
  principalId: z.string().max(200).optional(),
});
export type Requester = z.infer<typeof RequesterSchema>;

/** A fleet wave's approval standing in for the run's own: which gate (or the wave's start) and which decision. */
export const PreApprovalSchema = z.object({
  gate: z.string().max(200),
  decisionId: z.string().max(200),
  approvers: z.array(z.string().max(320)).max(50),
});

export const UpgradeInputSchema = z.object({
  runId: z.string(),
  cluster: z.string(),
  targetRelease: z.string(),
  requestedBy: RequesterSchema,
  requestedAt: z.string(),
  notBefore: z.string().optional(),
  allowChain: z.boolean(),
  /** Extra user values merged over the prepared file; refused at the door when they hold secrets. */
  extraValues: z.string().optional(),
  policy: RunPolicySchema,
  /** Set when this instance is one hop of a chain run by a parent run. */
  hopOf: z.string().optional(),
  /** Set by a fleet wave (lib/fleet): the approval stage records it instead of asking. */
  preApproved: PreApprovalSchema.optional(),
});
export type UpgradeInput = z.infer<typeof UpgradeInputSchema>;

export type ReadReleaseResult =
  | {
      ok: true;
      last: HelmRevision;
      deployed?: HelmRevision;
      /** sha256 of the deployed revision's user values: proves later steps prepare from the same file. */
      valuesFingerprint?: string;
      history: HelmRevision[];
    }
  | { ok: false; reason: string };

/** The redacted plan as the orchestration keeps it (lib/plan). */
export type RunPlan = Plan;

export type PrepareValuesResult = { ok: true; plan: RunPlan } | { ok: false; plan?: RunPlan; blockers: Finding[] };

export type HelmPhase = "basic" | "upgrade-mode" | "finalize";

/** A procedure's start: its steps as they run (none: nothing was started). */
export type StartProcedureResult =
  { ok: true; steps: PlannedStep[]; handle?: CommandHandle } | { ok: false; reason: string };

export type StartCommandResult =
  { ok: true; handle: CommandHandle; command: string; resumed: boolean } | { ok: false; reason: string };

export type PollCommandResult = CommandPoll;

export type CheckPodsResult = PodsSummary;
export type CheckQueuesResult = { ok: true; depths: QueueDepth[] } | { ok: false; reason: string };

export type PreChecksResult = Omit<PreCheckObservation, "queues">;

export type ApplyDataUpgradeResult = DataUpgradeState;

export type ObserveDataUpgradeResult = DataUpgradeObservation;

export type ObserveVerifyResult = VerifyObservation;

export interface DecisionRequestResult {
  sent: string[];
  failed: { recipient: string; reason: string }[];
}

/** The diagnosis of the unhealthy pods (lib/workflow/diagnosis.ts), redacted: one line per pod. */
export interface DiagnosePodsResult {
  pods: PodDiagnosis[];
  lines: string[];
}

/** The node check before approval: the target's images, what each node lacks, and the blockers (if any). */
export interface CheckNodesResult {
  images: string[];
  /** Nodes that run CluedIn pods: where the images must be. */
  nodes: { name: string; missing: number; bytes: number }[];
  findings: CapacityFinding[];
}

export type NotifyResult = { ok: true; messageId: string } | { ok: false; reason: string };
