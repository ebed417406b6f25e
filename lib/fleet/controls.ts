/**
 * What an operator's control does to a wave's states, pure: skip marks clusters that have not started as skipped
 * (a running upgrade is never interrupted); retry puts the failed and unstarted clusters back to waiting, each with
 * one more attempt (a new run id); clusters already upgraded are never touched.
 */
import type { ControlTarget } from "./contracts.js";
import type { PlannedStage } from "./plan.js";
import { retryable, type ClusterState } from "./schedule.js";

export type StageStates = Record<string, ClusterState>;

const skippable = (state: ClusterState | undefined): boolean =>
  state === undefined || state === "waiting" || state === "pending" || state === "not-started";

/** The clusters of `stage` the target names. */
export function targetClusters(stage: PlannedStage, target: ControlTarget): string[] {
  switch (target.kind) {
    case "cluster":
      return stage.groups.flatMap((g) => g.clusters.map((c) => c.name)).filter((c) => c === target.name);
    case "group":
      return target.stage !== stage.name
        ? []
        : (stage.groups.find((g) => g.name === target.name)?.clusters.map((c) => c.name) ?? []);
    case "stage":
      return target.name === stage.name ? stage.groups.flatMap((g) => g.clusters.map((c) => c.name)) : [];
  }
}

/** Skips what the target names in this stage; answers the clusters skipped and those too far along to skip. */
export function applySkip(
  stage: PlannedStage,
  states: StageStates,
  target: ControlTarget,
): { states: StageStates; skipped: string[]; refused: string[] } {
  const next = { ...states };
  const skipped: string[] = [];
  const refused: string[] = [];
  for (const cluster of targetClusters(stage, target)) {
    if (skippable(next[cluster])) {
      next[cluster] = "skipped";
      skipped.push(cluster);
    } else if (next[cluster] !== "skipped") refused.push(cluster);
  }
  return { states: next, skipped, refused };
}

/** Failed and unstarted clusters back to waiting, each with its attempt counted up. */
export function applyRetry(
  states: StageStates,
  attempts: Record<string, number>,
): { states: StageStates; attempts: Record<string, number>; retried: string[] } {
  const next = { ...states };
  const counted = { ...attempts };
  const retried: string[] = [];
  for (const [cluster, state] of Object.entries(states))
    if (retryable(state)) {
      next[cluster] = "waiting";
      if (state === "failed") counted[cluster] = (counted[cluster] ?? 0) + 1;
      retried.push(cluster);
    }
  return { states: next, attempts: counted, retried };
}
