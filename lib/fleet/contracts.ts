/**
 * The wave's durable functions, defined once like the upgrade's (lib/workflow/definition.ts): the wave, one
 * sub-orchestration per stage, one per cluster, one per approval gate, and the activities they call. Inputs are
 * schemas: the orchestrations parse them, main.ts parses activity inputs before the handlers.
 */
import { z } from "zod";
import { PreApprovalSchema, RequesterSchema, RunPolicySchema } from "../workflow/contracts.js";
import { define } from "../workflow/definition.js";
import { GateSchema, PlannedStageSchema, WavePlanSchema } from "./plan.js";
import { CLUSTER_STATES, type ClusterState, type StageOutcome, type WaveEnd } from "./schedule.js";

/** Raised by the control routes on the wave; the wave forwards what concerns a running stage or gate. */
export const WAVE_CONTROL_EVENT = "WaveControl";
/** Raised on a stage by each of its clusters as it ends (see orchestrators/fleet/stage.ts for why an event). */
export const WAVE_CLUSTER_DONE_EVENT = "WaveClusterDone";
/** Raised on the wave by a stage or a gate as it ends: `{ instanceId, result }`. */
export const WAVE_CHILD_DONE_EVENT = "WaveChildDone";

export const ControlTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cluster"), name: z.string().min(1).max(63) }),
  z.object({ kind: z.literal("group"), stage: z.string().min(1).max(40), name: z.string().min(1).max(40) }),
  z.object({ kind: z.literal("stage"), name: z.string().min(1).max(40) }),
]);
export type ControlTarget = z.infer<typeof ControlTargetSchema>;

export const WaveControlSchema = z.object({
  action: z.enum(["stop", "resume", "skip", "retry"]),
  target: ControlTargetSchema.optional(),
  reason: z.string().max(500).optional(),
  by: z.string().max(300),
  at: z.string().max(40),
});
export type WaveControl = z.infer<typeof WaveControlSchema>;

export const ClusterDoneSchema = z.object({
  cluster: z.string(),
  state: z.enum(CLUSTER_STATES),
  runId: z.string(),
  status: z.string().max(40),
  reason: z.string().max(300),
});
export type ClusterDone = z.infer<typeof ClusterDoneSchema>;

/** What lets a cluster's upgrade skip its own approval inside a wave (lib/workflow/contracts.ts `preApproved`). */
export const WaveApprovalSchema = PreApprovalSchema;
export type WaveApproval = z.infer<typeof WaveApprovalSchema>;

const common = {
  waveId: z.string().max(100),
  targetRelease: z.string().max(20),
  requestedBy: RequesterSchema,
  requestedAt: z.string().max(40),
};

export const WaveInputSchema = z.object({
  ...common,
  plan: WavePlanSchema,
  /** How long a stopped or failed wave waits for resume or retry before it closes. */
  lingerMs: z.number().int().positive(),
});
export type WaveInput = z.infer<typeof WaveInputSchema>;

export const WaveStageInputSchema = z.object({
  ...common,
  index: z.number().int().min(0),
  stage: PlannedStageSchema,
  /** The states it starts from: clusters already upgraded stay succeeded and are never run again. */
  states: z.record(z.string(), z.enum(CLUSTER_STATES)),
  /** Upgrade attempt per cluster: each retry is a new run id. */
  attempts: z.record(z.string(), z.number().int().min(0)),
  stopped: z.boolean(),
  busyCluster: z.enum(["wait", "report"]),
  /** The stage's approval gate's decision, for the clusters it stands in for. */
  gateApproval: WaveApprovalSchema.optional(),
  /** The wave, told of the stage's end by an event. */
  reportTo: z.string().max(100),
});
export type WaveStageInput = z.infer<typeof WaveStageInputSchema>;

export interface StageResult {
  states: Record<string, ClusterState>;
  outcome: StageOutcome;
  /** Controls the stage applied (skips, stops), for the wave's audit record. */
  applied: WaveControl[];
}

export const WaveClusterInputSchema = z.object({
  ...common,
  cluster: z.string().min(1).max(63),
  runId: z.string().max(200),
  stageInstance: z.string().max(200),
  busyCluster: z.enum(["wait", "report"]),
  approval: WaveApprovalSchema.optional(),
});
export type WaveClusterInput = z.infer<typeof WaveClusterInputSchema>;

export const WaveGateInputSchema = z.object({
  ...common,
  strategy: z.string().max(40),
  stage: z.string().max(40),
  clusters: z.array(z.string()).max(2000),
  gate: GateSchema,
  reportTo: z.string().max(100),
});
export type WaveGateInput = z.infer<typeof WaveGateInputSchema>;

export interface GateResult {
  passed: boolean;
  reason: string;
  approval?: WaveApproval;
}

export interface WaveResult {
  status: WaveEnd;
  reason: string;
}

export const FLEET_ORCHESTRATIONS = {
  wave: define<WaveResult>()("wave", WaveInputSchema),
  waveStage: define<StageResult>()("waveStage", WaveStageInputSchema),
  waveCluster: define<ClusterDone>()("waveCluster", WaveClusterInputSchema),
  waveGate: define<GateResult>()("waveGate", WaveGateInputSchema),
} as const;

export type PrepareWaveRunResult =
  { ok: true; policy: z.infer<typeof RunPolicySchema> } | { ok: false; reason: string };

export interface FleetHealthResult {
  healthy: string[];
  unhealthy: { cluster: string; reason: string }[];
}

export const FLEET_ACTIVITIES = {
  /** Raises an event on another instance: a cluster's end on its stage, a control forwarded to a stage or gate. */
  raiseWaveEvent: define<{ ok: boolean; reason?: string }>()(
    "raiseWaveEvent",
    z.object({ instanceId: z.string().max(200), event: z.string().max(60), data: z.unknown() }),
  ),
  prepareWaveRun: define<PrepareWaveRunResult>()(
    "prepareWaveRun",
    z.object({ cluster: z.string().min(1).max(63), targetRelease: z.string().max(20) }),
  ),
  checkFleetHealth: define<FleetHealthResult>()(
    "checkFleetHealth",
    z.object({ clusters: z.array(z.string().max(63)).max(2000) }),
  ),
  notifyWave: define<{ ok: boolean; reason?: string }>()(
    "notifyWave",
    z.object({
      waveId: z.string().max(100),
      to: z.array(z.string().max(320)).max(200),
      subject: z.string().max(200),
      lines: z.array(z.string().max(2000)).max(30),
    }),
  ),
  /** Keeps the wave's audit record (lib/fleet/view.ts WaveRecord) write-once in the audit sink. */
  archiveWave: define<{ ok: boolean; reason?: string }>()(
    "archiveWave",
    z.object({ waveId: z.string().max(100), record: z.looseObject({ waveId: z.string(), status: z.string() }) }),
  ),
} as const;
