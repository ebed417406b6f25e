/**
 * What a wave shows while it runs (its custom status) and what it keeps when it ends (its audit record). The view is
 * compact by construction: one letter per cluster per stage, the newest events only, so a 500-cluster wave stays far
 * under the host's 16 KB custom status (local/runtime/episode.ts MAX_CUSTOM_STATUS_KB); names come from the input.
 */
import type { WaveControl } from "./contracts.js";
import { waveRunId } from "./ids.js";
import type { WavePlan } from "./plan.js";
import { decodeStates, type ClusterState, type StageOutcome, type WaveStatus } from "./schedule.js";

export const WAVE_VIEW_LIMITS = { events: 8, text: 160 } as const;

export interface GateView {
  stage: string;
  where: "before" | "after";
  type: "approval" | "scheduledStart" | "health";
  state: "waiting" | "passed" | "failed" | "skipped";
  /** The gate's own instance (an approval gate's decision page reads it). */
  instance?: string;
  /** Who must act on a waiting approval gate. */
  approvers?: string[];
  opensAt?: string;
  note?: string;
}

export interface StageView {
  name: string;
  /** One letter per cluster in plan order (lib/fleet/schedule.ts STATE_CODES), as the wave last knew them. */
  codes: string;
  outcome?: StageOutcome;
  /** The running pass of the stage, whose own status has the live letters. */
  instance?: string;
  soakUntil?: string;
}

export interface WaveView {
  status: WaveStatus;
  stopped: boolean;
  current?: number;
  stages: StageView[];
  gates: GateView[];
  reason?: string;
  /** Upgrade attempts of retried clusters (absent: 0), from which their run ids follow. */
  attempts: Record<string, number>;
  events: { at: string; message: string }[];
}

export const clipText = (text: string, max: number = WAVE_VIEW_LIMITS.text): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export function withEvent(view: WaveView, at: Date, message: string): WaveView {
  const events = [...view.events, { at: at.toISOString(), message: clipText(message) }];
  return { ...view, events: events.slice(-WAVE_VIEW_LIMITS.events) };
}

/** Whatever a gate shows, one entry per gate: a gate seen again (a new pass) replaces its entry. */
export function withGate(view: WaveView, gate: GateView): WaveView {
  const others = view.gates.filter((g) => !(g.stage === gate.stage && g.where === gate.where && g.type === gate.type));
  return { ...view, gates: [...others, gate] };
}

export interface ClusterCell {
  cluster: string;
  group: string;
  state: ClusterState;
  runId?: string;
}

/** The matrix of clusters by stage, with each started cluster's run id (attempt counted per retry). */
export function matrix(
  waveId: string,
  plan: WavePlan,
  codes: readonly string[],
  attempts: Readonly<Record<string, number>>,
): { stage: string; clusters: ClusterCell[] }[] {
  return plan.stages.map((stage, i) => {
    const states = decodeStates(stage, codes[i] ?? "");
    return {
      stage: stage.name,
      clusters: stage.groups.flatMap((group) =>
        group.clusters.map((c): ClusterCell => {
          const state = states[c.name] ?? "waiting";
          const started =
            !["waiting", "pending", "skipped", "not-started"].includes(state) || (attempts[c.name] ?? 0) > 0;
          return {
            cluster: c.name,
            group: group.name,
            state,
            ...(started ? { runId: waveRunId(waveId, c.name, attempts[c.name] ?? 0) } : {}),
          };
        }),
      ),
    };
  });
}

/** The wave's audit record: what ran where, which gate let it, who stopped or skipped what and why. */
export interface WaveRecord {
  waveId: string;
  strategy: string;
  targetRelease: string;
  requestedBy: string;
  requestedAt: string;
  endedAt: string;
  status: WaveStatus;
  reason: string;
  stages: { stage: string; outcome?: StageOutcome; clusters: (ClusterCell & { auditUri?: string })[] }[];
  gates: GateView[];
  controls: WaveControl[];
}
