/**
 * Inputs and outputs of every activity and sub-orchestration of the upgrade workflow. These shapes travel through
 * orchestration history: they name clusters and revisions, never credentials or secret values.
 */
import { z } from "zod";
import type {
  CommandHandle,
  CommandPoll,
  DataUpgradeState,
  HelmRevision,
  LogScan,
  PodsSummary,
  QueueDepth,
  UiProbe,
} from "../clients/types.js";
import type { Plan } from "../plan/index.js";
import type { Finding } from "../values/index.js";
import type { DataUpgradeObservation, PreCheckObservation, VerifyObservation } from "./checks.js";
import type { DecisionKind, UpgradeMode } from "./model.js";

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
  podsReadyDeadlineMs: z.number().int().positive(),
  dataUpgradeDeadlineMs: z.number().int().positive(),
  verifyDeadlineMs: z.number().int().positive(),
  queueDepthMax: z.number().int().min(0),
  logWindowSeconds: z.number().int().positive(),
  expectedDowntimeMinutes: z.number().int().positive(),
});
export type RunPolicy = z.infer<typeof RunPolicySchema>;

export const RequesterSchema = z.object({
  name: z.string().max(200),
  email: z.string().max(320).optional(),
  principalId: z.string().max(200).optional(),
});
export type Requester = z.infer<typeof RequesterSchema>;

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
});
export type UpgradeInput = z.infer<typeof UpgradeInputSchema>;

export interface ClusterRef {
  cluster: string;
}

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

export interface PrepareValuesInput extends ClusterRef {
  revision: number;
  valuesFingerprint: string;
  targetRelease: string;
  extraValues?: string;
}

/** The redacted plan as the orchestration keeps it (lib/plan). */
export type RunPlan = Plan;
export type PlanFinding = Finding;

export type PrepareValuesResult = { ok: true; plan: RunPlan } | { ok: false; plan?: RunPlan; blockers: PlanFinding[] };

export type HelmPhase = "basic" | "upgrade-mode" | "finalize";

export interface StartHelmUpgradeInput extends ClusterRef {
  runId: string;
  phase: HelmPhase;
  attempt: number;
  sourceRevision: number;
  valuesFingerprint: string;
  targetRelease: string;
  extraValues?: string;
  helmTimeoutMs: number;
}

export interface StartHelmRollbackInput extends ClusterRef {
  runId: string;
  toRevision: number;
  attempt: number;
  helmTimeoutMs: number;
}

export type StartCommandResult =
  { ok: true; handle: CommandHandle; command: string; resumed: boolean } | { ok: false; reason: string };

export interface PollCommandInput extends ClusterRef {
  handle: CommandHandle;
}
export type PollCommandResult = CommandPoll;

export type CheckPodsResult = PodsSummary;
export type CheckQueuesResult = { ok: true; depths: QueueDepth[] } | { ok: false; reason: string };

export interface PreChecksInput extends ClusterRef {
  logWindowSeconds: number;
}
export type PreChecksResult = Omit<PreCheckObservation, "queues">;

export interface ApplyDataUpgradeInput extends ClusterRef {
  toVersion: string;
  chartVersion: string;
  /** Retrying a data upgrade deletes and re-creates the resource: re-applying an unchanged one does nothing. */
  recreate: boolean;
}
export type ApplyDataUpgradeResult = DataUpgradeState;

export interface ObserveDataUpgradeInput extends ClusterRef {
  name: string;
  sinceSeconds: number;
}
export type ObserveDataUpgradeResult = DataUpgradeObservation;

export interface ObserveVerifyInput extends ClusterRef {
  sinceSeconds: number;
}
export type ObserveVerifyResult = VerifyObservation;

export type { LogScan, UiProbe };

export type NotificationKind =
  | "approval-request"
  | "approval-reminder"
  | "downtime-notice"
  | "completed"
  | "failed"
  | "halted"
  | "rejected"
  | "decision-request";

export interface DecisionRequestInput extends ClusterRef {
  runId: string;
  requestId: string;
  kind: DecisionKind;
  approvers: string[];
  expiresAt: string;
  reminder: boolean;
  summary: DecisionSummary;
}

/** What an approver reads before deciding; redacted. */
export interface DecisionSummary {
  environment: string;
  fromRelease?: string;
  targetRelease: string;
  mode?: UpgradeMode;
  question: string;
  requestedBy: string;
}

export interface DecisionRequestResult {
  sent: string[];
  failed: { recipient: string; reason: string }[];
}

export interface NotifyInput extends ClusterRef {
  runId: string;
  kind: NotificationKind;
  to: string[];
  subjectDetail: string;
  lines: string[];
  environment: string;
  targetRelease: string;
}

export type NotifyResult = { ok: true; messageId: string } | { ok: false; reason: string };
