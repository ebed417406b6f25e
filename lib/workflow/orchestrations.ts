/**
 * The orchestrations, defined once like the activities (lib/workflow/definition.ts): name, input schema, result.
 * Each orchestration parses its own input with its schema; parents call children through the registered handle.
 */
import type { RegisteredOrchestration } from "durable-functions";
import { z } from "zod";
import { CommandHandleSchema } from "./activities.js";
import type { CheckQueuesResult, RunPlan } from "./contracts.js";
import { UpgradeInputSchema } from "./contracts.js";
import { define, type Registered } from "./definition.js";
import type { RunEvidence } from "./evidence.js";
import type { RunStatus, RunView } from "./model.js";
import { RestoreInputSchema } from "./restores.js";

export type Orchestration<S extends z.ZodType = z.ZodType, R = unknown> = Registered<S, R, RegisteredOrchestration>;

/** Raised by the approval route for every human decision; DESIGN names it. */
export const DECISION_EVENT = "ApprovalDecision";
/** Raised by the cancel route. */
export const CANCEL_EVENT = "CancelRequested";

const iso = z.string().max(40);

export const MonitorCheckSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("command"), handle: CommandHandleSchema }),
  z.object({ kind: z.literal("pods") }),
  z.object({ kind: z.literal("data-upgrade"), name: z.string().max(63), toVersion: z.string().max(20), since: iso }),
  z.object({
    kind: z.literal("verify"),
    chartVersion: z.string().max(40),
    since: iso,
    /** The revision Helm marked failed on a timeout, whose pods came up within the grace: it counts as up. */
    timedOutRevision: z.number().int().positive().optional(),
  }),
  /** No pod of these workloads runs any more (the snapshot stage's quiesce). */
  z.object({ kind: z.literal("quiesced"), names: z.array(z.string().max(253)).max(100) }),
  /** Every snapshot of the set is ready to use. */
  z.object({ kind: z.literal("snapshots"), names: z.array(z.string().max(253)).max(100) }),
  /** Every restored claim is bound to a volume made from its snapshot. */
  z.object({ kind: z.literal("claims"), names: z.array(z.string().max(253)).max(100) }),
  /** The image pre-pull DaemonSet has a ready pod on every node (orchestrators/prePullChecks.ts). */
  z.object({ kind: z.literal("prepull"), name: z.string().max(253) }),
]);
export type MonitorCheck = z.infer<typeof MonitorCheckSchema>;

export const MonitorInputSchema = z.object({
  cluster: z.string().min(1).max(63),
  check: MonitorCheckSchema,
  intervalMs: z.number().int().positive(),
  deadline: iso,
  /**
   * Runs from version 2.3: when the wait is expected to end, for adaptive polling (lib/workflow/polling.ts); absent,
   * the monitor polls every `intervalMs`.
   */
  pace: z
    .object({ expectedAt: iso, spreadMs: z.number().int().min(0).optional(), slowMs: z.number().int().positive() })
    .optional(),
  polls: z.number().int().min(0).optional(),
  failedPolls: z.number().int().min(0).optional(),
});
export type MonitorInput = z.infer<typeof MonitorInputSchema>;

export interface MonitorResult<Observation = unknown> {
  ok: boolean;
  timedOut: boolean;
  summary: string;
  polls: number;
  /** The last observation, for the run's evidence (redacted by the activity that made it). */
  observation?: Observation;
}

export const QueueDrainInputSchema = z.object({
  cluster: z.string().min(1).max(63),
  queueDepthMax: z.number().int().min(0),
  /** Set by runs from version 2.2: a queue with messages and no consumer ends the wait as stuck. */
  stuckQueuesBlock: z.boolean().optional(),
  intervalMs: z.number().int().positive(),
  deadline: iso,
});
export type QueueDrainInput = z.infer<typeof QueueDrainInputSchema>;

/** How an upgrade run ended: its named state, the view it showed, its plan and the evidence it recorded. */
export interface UpgradeOutcome {
  status: RunStatus;
  reason: string;
  view: RunView;
  plan?: RunPlan;
  evidence: RunEvidence;
  endedAt: string;
}

export interface ClusterLockOutput {
  runId: string;
  status: RunStatus;
}

/**
 * What holds a cluster's lock: an upgrade, or the stand-alone restore of a past run's set (told apart by its
 * `restore` part; locks started before restores existed hold upgrades and parse as before).
 */
export const LockInputSchema = z.union([RestoreInputSchema, UpgradeInputSchema]);

export const ORCHESTRATIONS = {
  clusterLock: define<ClusterLockOutput>()("clusterLock", LockInputSchema),
  upgrade: define<UpgradeOutcome>()("upgrade", UpgradeInputSchema),
  /** The stand-alone restore of a past run's snapshot set (orchestrators/restore.ts); ends like an upgrade run. */
  restore: define<UpgradeOutcome>()("restore", RestoreInputSchema),
  monitor: define<MonitorResult>()("monitor", MonitorInputSchema),
  queueDrain: define<MonitorResult<CheckQueuesResult>>()("queueDrain", QueueDrainInputSchema),
} as const;
