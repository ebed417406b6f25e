/**
 * The dry run: the exact order clusters start in, the limits and gates on the way and the earliest times, found by
 * running the wave's own decisions (lib/fleet/schedule.ts) on a simulated clock where every upgrade succeeds in the
 * strategy's `estimatedUpgrade` and every approval is given at once.
 */
import { describeGate, scheduledStartAt } from "./gates.js";
import type { Gate, PlannedStage, WavePlan } from "./plan.js";
import { decideStarts, type ClusterState } from "./schedule.js";

export interface TimelineGate {
  gate: string;
  /** When it can pass at the earliest (an approval: as soon as it is given). */
  earliest: string;
  who?: string[];
}

export interface TimelineCluster {
  order: number;
  name: string;
  approval: "gate" | "start" | "own";
  earliestStart: string;
  earliestEnd: string;
  /** The maintenance window delayed its start. */
  waitsForWindow: boolean;
}

export interface TimelineStage {
  name: string;
  maxConcurrency: number;
  maxAllowedFailures: number;
  before: TimelineGate[];
  groups: { name: string; maxConcurrency: number; maxAllowedFailures: number; before: TimelineGate[] }[];
  clusters: TimelineCluster[];
  earliestStart: string;
  earliestEnd: string;
  soakUntil?: string;
  after: TimelineGate[];
}

export interface Timeline {
  strategy: string;
  targetRelease: string;
  estimatedUpgradeMinutes: number;
  stages: TimelineStage[];
  earliestFinish: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function passGate(gate: Gate, at: number): { at: number; view: TimelineGate } {
  const opens = gate.type === "scheduledStart" ? scheduledStartAt(gate, at) : at;
  return {
    at: opens,
    view: {
      gate: describeGate(gate),
      earliest: iso(opens),
      ...(gate.type === "approval" ? { who: gate.approvers } : {}),
    },
  };
}

function passGates(gates: readonly Gate[], at: number): { at: number; views: TimelineGate[] } {
  const views: TimelineGate[] = [];
  let t = at;
  for (const gate of gates) {
    const passed = passGate(gate, t);
    t = passed.at;
    views.push(passed.view);
  }
  return { at: t, views };
}

function simulateStage(stage: PlannedStage, from: number, estimateMs: number, order: { next: number }) {
  const states: Record<string, ClusterState> = {};
  const ends = new Map<string, number>();
  const delayed = new Set<string>();
  const opens = new Map(stage.groups.map((g) => [g.name, passGates(g.before, from)]));
  let t = from;
  const clusters: TimelineCluster[] = [];
  const approvalOf = new Map(stage.groups.flatMap((g) => g.clusters.map((c) => [c.name, c.approval] as const)));
  for (let guard = 0; guard < 100_000; guard++) {
    for (const [name, end] of ends) if (end <= t && states[name] === "running") states[name] = "succeeded";
    const openGroups = [...opens].filter(([, o]) => o.at <= t).map(([g]) => g);
    const decision = decideStarts(stage, { states, stopped: false, openGroups, now: t });
    for (const name of decision.start) {
      states[name] = "running";
      ends.set(name, t + estimateMs);
      clusters.push({
        order: order.next++,
        name,
        approval: approvalOf.get(name) ?? "own",
        earliestStart: iso(t),
        earliestEnd: iso(t + estimateMs),
        waitsForWindow: delayed.has(name),
      });
    }
    for (const name of decision.pending) {
      states[name] = "pending";
      delayed.add(name);
    }
    if (decision.done) break;
    const candidates = [
      ...[...ends].filter(([n]) => states[n] === "running").map(([, e]) => e),
      ...(decision.wakeAt !== undefined ? [decision.wakeAt] : []),
      ...[...opens.values()].map((o) => o.at).filter((at) => at > t),
    ];
    if (candidates.length === 0) break;
    t = Math.min(...candidates);
  }
  return {
    clusters,
    end: t,
    groups: stage.groups.map((g) => ({
      name: g.name,
      maxConcurrency: g.maxConcurrency,
      maxAllowedFailures: g.maxAllowedFailures,
      before: opens.get(g.name)?.views ?? [],
    })),
  };
}

export function dryRunTimeline(plan: WavePlan, targetRelease: string, now: Date): Timeline {
  let t = now.getTime();
  const order = { next: 1 };
  const stages: TimelineStage[] = plan.stages.map((stage) => {
    const before = passGates(stage.before, t);
    const start = before.at;
    const run = simulateStage(stage, start, plan.estimatedUpgradeMs, order);
    const soakUntil = run.end + stage.afterStageWaitMs;
    const after = passGates(stage.after, soakUntil);
    t = after.at;
    return {
      name: stage.name,
      maxConcurrency: stage.maxConcurrency,
      maxAllowedFailures: stage.maxAllowedFailures,
      before: before.views,
      groups: run.groups,
      clusters: run.clusters,
      earliestStart: iso(start),
      earliestEnd: iso(run.end),
      ...(stage.afterStageWaitMs > 0 ? { soakUntil: iso(soakUntil) } : {}),
      after: after.views,
    };
  });
  return {
    strategy: plan.strategy,
    targetRelease,
    estimatedUpgradeMinutes: Math.round(plan.estimatedUpgradeMs / 60_000),
    stages,
    earliestFinish: iso(t),
  };
}
