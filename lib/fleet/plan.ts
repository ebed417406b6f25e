/**
 * A strategy resolved against the cluster profiles: every stage and group with its clusters by name, counts instead
 * of percentages, and what each cluster's approval will be. This is what a wave runs and what its dry run prints;
 * it travels in orchestration input, so it is a schema and holds names and numbers only.
 */
import { z } from "zod";
import type { ClusterProfile } from "../config/clusters.js";
import type { GateConfig, Quantity, StrategyConfig } from "./config.js";

const WeekdaySchema = z.enum(["sun", "mon", "tue", "wed", "thu", "fri", "sat"]);

export const GateSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("approval"),
    approvers: z.array(z.string()),
    required: z.number().int().min(1),
    deadlineMs: z.number().int().positive(),
    reminderAfterMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal("scheduledStart"),
    days: z.array(WeekdaySchema).optional(),
    time: z.string(),
    utcOffset: z.string(),
  }),
  z.object({ type: z.literal("health") }),
]);
export type Gate = z.infer<typeof GateSchema>;

export const PlannedClusterSchema = z.object({
  name: z.string(),
  /** `gate`: pre-approved by the covering approval gate; `start`: by the wave's start; `own`: asks its approvers. */
  approval: z.enum(["gate", "start", "own"]),
  window: z.object({ days: z.array(WeekdaySchema), start: z.string(), durationMs: z.number() }).optional(),
});
export type PlannedCluster = z.infer<typeof PlannedClusterSchema>;

export const PlannedGroupSchema = z.object({
  name: z.string(),
  clusters: z.array(PlannedClusterSchema),
  maxConcurrency: z.number().int().min(1),
  maxAllowedFailures: z.number().int().min(0),
  before: z.array(GateSchema),
});
export type PlannedGroup = z.infer<typeof PlannedGroupSchema>;

export const PlannedStageSchema = z.object({
  name: z.string(),
  groups: z.array(PlannedGroupSchema),
  maxConcurrency: z.number().int().min(1),
  maxAllowedFailures: z.number().int().min(0),
  afterStageWaitMs: z.number().int().min(0),
  before: z.array(GateSchema),
  after: z.array(GateSchema),
});
export type PlannedStage = z.infer<typeof PlannedStageSchema>;

export const WavePlanSchema = z.object({
  strategy: z.string(),
  busyCluster: z.enum(["wait", "report"]),
  notify: z.array(z.string()),
  estimatedUpgradeMs: z.number().int().positive(),
  stages: z.array(PlannedStageSchema),
});
export type WavePlan = z.infer<typeof WavePlanSchema>;

/**
 * A budget or limit as a count. Percentages of `total`: concurrency rounds down with a minimum of 1, as Fleet
 * Manager's `maxConcurrency` does ("Fractional results are rounded down. A minimum of 1 upgrade is enforced",
 * UpdateGroup.maxConcurrency); a failure budget rounds up, so "10%" of 5 clusters tolerates one failure.
 */
export function countOf(quantity: Quantity, total: number, rounding: "concurrency" | "failures"): number {
  if (typeof quantity === "number") return rounding === "concurrency" ? Math.max(1, quantity) : quantity;
  const share = (Number(quantity.slice(0, -1)) * total) / 100;
  return rounding === "concurrency" ? Math.max(1, Math.floor(share)) : Math.max(0, Math.ceil(share - 1e-9));
}

export interface PlanIssue {
  path: string;
  message: string;
}

export type PlanResult = { ok: true; plan: WavePlan } | { ok: false; issues: PlanIssue[] };

function gateOf(gate: GateConfig): Gate {
  switch (gate.type) {
    case "approval":
      return {
        type: "approval",
        approvers: gate.approvers,
        required: gate.required,
        deadlineMs: gate.deadline,
        ...(gate.reminderAfter !== undefined ? { reminderAfterMs: gate.reminderAfter } : {}),
      };
    case "scheduledStart":
      return {
        type: "scheduledStart",
        ...(gate.days ? { days: gate.days } : {}),
        time: gate.time,
        utcOffset: gate.utcOffset,
      };
    case "health":
      return { type: "health" };
  }
}

const matches = (profile: ClusterProfile, selector: Record<string, string | undefined>): boolean =>
  Object.entries(selector).every(
    ([key, value]) =>
      value === undefined || (key === "environment" ? profile.environment : profile.labels[key]) === value,
  );

/**
 * The strategy's clusters, stage by stage: names must have profiles, selectors must select someone, and no cluster
 * may appear twice in one run (a second upgrade of the same cluster in the same wave is always a mistake).
 */
export function resolveStrategy(strategy: StrategyConfig, profiles: readonly ClusterProfile[]): PlanResult {
  const issues: PlanIssue[] = [];
  const seen = new Map<string, string>();
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const stages: PlannedStage[] = strategy.stages.map((stage) => {
    const stageApproval = stage.gates.before.some((g) => g.type === "approval");
    const groups: PlannedGroup[] = stage.groups.map((group) => {
      const where = `${stage.name}/${group.name}`;
      const named = (group.clusters ?? []).flatMap((clusterName) => {
        const profile = byName.get(clusterName);
        if (!profile) issues.push({ path: where, message: `no cluster profile named ${clusterName}` });
        return profile ? [profile] : [];
      });
      const selected = group.selector ? profiles.filter((p) => matches(p, group.selector ?? {})) : [];
      const chosen = [...named, ...selected.filter((p) => !named.includes(p))];
      if (chosen.length === 0) issues.push({ path: where, message: "selects no cluster" });
      const clusters = chosen.flatMap((profile): PlannedCluster[] => {
        const earlier = seen.get(profile.name);
        if (earlier) {
          issues.push({
            path: where,
            message: `${profile.name} is already in ${earlier}: a cluster runs once per wave`,
          });
          return [];
        }
        seen.set(profile.name, where);
        const inWave = profile.policies.approvals.inWave;
        const window = profile.policies.maintenanceWindow;
        return [
          {
            name: profile.name,
            approval: inWave === "own" ? "own" : stageApproval ? "gate" : inWave === "start" ? "start" : "own",
            ...(window ? { window: { days: window.days, start: window.start, durationMs: window.duration } } : {}),
          },
        ];
      });
      return {
        name: group.name,
        clusters,
        maxConcurrency: Math.min(countOf(group.maxConcurrency, clusters.length, "concurrency"), clusters.length || 1),
        maxAllowedFailures: countOf(group.maxAllowedFailures ?? clusters.length, clusters.length, "failures"),
        before: group.gates.before.map(gateOf),
      };
    });
    const total = groups.reduce((n, g) => n + g.clusters.length, 0);
    return {
      name: stage.name,
      groups,
      maxConcurrency:
        stage.maxConcurrency === undefined ? Math.max(1, total) : countOf(stage.maxConcurrency, total, "concurrency"),
      maxAllowedFailures: countOf(stage.maxAllowedFailures, total, "failures"),
      afterStageWaitMs: stage.afterStageWait ?? 0,
      before: stage.gates.before.map(gateOf),
      after: stage.gates.after.map(gateOf),
    };
  });
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    plan: {
      strategy: strategy.name,
      busyCluster: strategy.busyCluster,
      notify: strategy.notify,
      estimatedUpgradeMs: strategy.estimatedUpgrade,
      stages,
    },
  };
}

export const planClusters = (plan: WavePlan): string[] =>
  plan.stages.flatMap((s) => s.groups.flatMap((g) => g.clusters.map((c) => c.name)));
