/**
 * The wave's sequencing decisions, pure: who starts next in a stage given its limits, failures, skips, gates and
 * maintenance windows; whether a failure budget is spent; how a stage and the wave end. The orchestrations only
 * apply them (STYLE 5), and the dry run's timeline simulates with the very same functions.
 */
import { nextMaintenanceWindow } from "../config/clusters.js";
import type { PlannedCluster, PlannedGroup, PlannedStage, WavePlan } from "./plan.js";

export const CLUSTER_STATES = [
  "waiting",
  "pending",
  "running",
  "succeeded",
  "failed",
  "skipped",
  "not-started",
] as const;
export type ClusterState = (typeof CLUSTER_STATES)[number];

/** One letter per state: a 500-cluster matrix fits the host's 16 KB custom status as a few strings. */
export const STATE_CODES: Record<ClusterState, string> = {
  waiting: "w",
  pending: "p",
  running: "r",
  succeeded: "c",
  failed: "f",
  skipped: "s",
  "not-started": "n",
};
const BY_CODE = new Map(Object.entries(STATE_CODES).map(([state, code]) => [code, state as ClusterState]));
export const stateOfCode = (code: string): ClusterState => BY_CODE.get(code) ?? "waiting";

export const isSettled = (state: ClusterState): boolean =>
  state === "succeeded" || state === "failed" || state === "skipped" || state === "not-started";

export type States = Readonly<Record<string, ClusterState>>;
const stateOf = (states: States, cluster: string): ClusterState => states[cluster] ?? "waiting";

/** The stage's clusters in plan order, as one code string. */
export const encodeStates = (stage: PlannedStage, states: States): string =>
  stage.groups.flatMap((g) => g.clusters.map((c) => STATE_CODES[stateOf(states, c.name)])).join("");

export function decodeStates(stage: PlannedStage, codes: string): Record<string, ClusterState> {
  const names = stage.groups.flatMap((g) => g.clusters.map((c) => c.name));
  return Object.fromEntries(names.map((n, i) => [n, stateOfCode(codes[i] ?? "w")]));
}

const count = (clusters: readonly PlannedCluster[], states: States, state: ClusterState): number =>
  clusters.filter((c) => stateOf(states, c.name) === state).length;

const stageClusters = (stage: PlannedStage): PlannedCluster[] => stage.groups.flatMap((g) => g.clusters);

/** Which failure budget is spent, if any: the stage's, or a group's (`maxAllowedFailures`, failures above it). */
export function spentBudget(stage: PlannedStage, states: States): string | undefined {
  const failed = count(stageClusters(stage), states, "failed");
  if (failed > stage.maxAllowedFailures)
    return `stage ${stage.name}: ${failed} failure(s), ${stage.maxAllowedFailures} allowed`;
  for (const group of stage.groups) {
    const inGroup = count(group.clusters, states, "failed");
    if (inGroup > group.maxAllowedFailures)
      return `group ${stage.name}/${group.name}: ${inGroup} failure(s), ${group.maxAllowedFailures} allowed`;
  }
  return undefined;
}

/** When the cluster's maintenance window next opens; `at` itself while it is open; always `at` without one. */
export function windowOpensAt(cluster: PlannedCluster, at: number): number {
  if (!cluster.window) return at;
  const { days, start, durationMs } = cluster.window;
  return Math.max(at, nextMaintenanceWindow({ days, start, duration: durationMs }, at).opensAt);
}

export interface StageSnapshot {
  states: States;
  /** Stop asked: nothing new starts, running clusters finish. */
  stopped: boolean;
  /** Groups whose before-gates have all passed. */
  openGroups: readonly string[];
  now: number;
}

export interface StageDecision {
  /** Start these now, in this order. */
  start: string[];
  /** Waiting for their maintenance window to open. */
  pending: string[];
  /** The earliest moment a pending cluster's window opens. */
  wakeAt?: number;
  /** Why nothing more starts, when that is so (stop, a spent budget). */
  halted?: string;
  /** Nothing runs and nothing more will start: the stage is over. */
  done: boolean;
}

/**
 * Who starts now. Groups run in parallel and take turns for the stage's slots (round-robin), each up to its own
 * `maxConcurrency`; within a group clusters go in the order listed. A spent stage budget or a stop starts nobody; a
 * spent group budget stops that group only; a group whose gates have not passed waits; a cluster whose window is
 * closed is passed over (pending) while the others proceed.
 */
export function decideStarts(stage: PlannedStage, snapshot: StageSnapshot): StageDecision {
  const { states, now } = snapshot;
  const all = stageClusters(stage);
  let stageRunning = count(all, states, "running");
  const stageFailures = count(all, states, "failed");
  const halted = snapshot.stopped
    ? "stopped"
    : stageFailures > stage.maxAllowedFailures
      ? `stage ${stage.name}: failure budget spent (${stageFailures} > ${stage.maxAllowedFailures})`
      : undefined;
  const start: string[] = [];
  const pending: string[] = [];
  let wakeAt: number | undefined;
  const queues = new Map<PlannedGroup, PlannedCluster[]>();
  const groupRunning = new Map<PlannedGroup, number>();
  let waitingForGates = false;
  for (const group of stage.groups) {
    const candidates = group.clusters.filter((c) => ["waiting", "pending"].includes(stateOf(states, c.name)));
    if (candidates.length === 0) continue;
    if (halted || count(group.clusters, states, "failed") > group.maxAllowedFailures) continue;
    if (!snapshot.openGroups.includes(group.name)) {
      waitingForGates = true;
      continue;
    }
    const ready = candidates.filter((c) => {
      const opensAt = windowOpensAt(c, now);
      if (opensAt <= now) return true;
      pending.push(c.name);
      wakeAt = wakeAt === undefined ? opensAt : Math.min(wakeAt, opensAt);
      return false;
    });
    queues.set(group, ready);
    groupRunning.set(group, count(group.clusters, states, "running"));
  }
  for (let progress = true; progress && stageRunning < stage.maxConcurrency;) {
    progress = false;
    for (const [group, queue] of queues) {
      if (stageRunning >= stage.maxConcurrency) break;
      const running = groupRunning.get(group) ?? 0;
      const next = queue.shift();
      if (!next || running >= group.maxConcurrency) {
        if (next) queue.unshift(next);
        continue;
      }
      start.push(next.name);
      groupRunning.set(group, running + 1);
      stageRunning++;
      progress = true;
    }
  }
  const startable = [...queues.values()].some((q) => q.length > 0) || pending.length > 0 || waitingForGates;
  const done = stageRunning === 0 && start.length === 0 && !startable;
  return { start, pending, ...(wakeAt !== undefined ? { wakeAt } : {}), ...(halted ? { halted } : {}), done };
}

export type StageOutcome = "succeeded" | "succeeded-with-failures" | "failed" | "stopped";

/** How a stage that is over ended: a spent budget fails it; a stop that left clusters unstarted stops it. */
export function stageOutcome(stage: PlannedStage, states: States, stopped: boolean): StageOutcome {
  if (spentBudget(stage, states)) return "failed";
  const unstarted = stageClusters(stage).some((c) =>
    ["waiting", "pending", "not-started"].includes(stateOf(states, c.name)),
  );
  if (stopped && unstarted) return "stopped";
  return count(stageClusters(stage), states, "failed") > 0 ? "succeeded-with-failures" : "succeeded";
}

export const WAVE_STATUSES = [
  "pending",
  "running",
  "awaiting-approval",
  "completed",
  "completed-with-failures",
  "failed",
  "stopped",
] as const;
export type WaveStatus = (typeof WAVE_STATUSES)[number];
export type WaveEnd = Extract<WaveStatus, "completed" | "completed-with-failures" | "failed" | "stopped">;

/** The wave's end from its stages' outcomes, in order; a failed or stopped stage ends it there. */
export function waveOutcome(outcomes: readonly StageOutcome[]): WaveEnd {
  if (outcomes.includes("failed")) return "failed";
  if (outcomes.includes("stopped")) return "stopped";
  return outcomes.includes("succeeded-with-failures") ? "completed-with-failures" : "completed";
}

/** Clusters a retry runs again: the failed ones and those a spent budget or a stop left unstarted. */
export const retryable = (state: ClusterState): boolean => state === "failed" || state === "not-started";

/** The wave's clusters, stage by stage, with their positions, for the compact matrix. */
export const stageNames = (plan: WavePlan): string[] => plan.stages.map((s) => s.name);
