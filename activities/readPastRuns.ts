/**
 * Reads how long this cluster's previous runs of the same kind took, stage by stage, from their audit records (the
 * record outlives Durable's history): the expected ends adaptive polling paces its monitors by. Never fails the run:
 * an archive that cannot be read means no expectation (the runbook's figures apply).
 */
import type { InvocationContext } from "@azure/functions";
import { redactText } from "../lib/redaction/index.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { pastDurations, type PastRun } from "../lib/workflow/polling.js";

/** Records read: the newest few say how the cluster behaves now (its size, its data), older ones add little. */
const RECENT_RECORDS = 10;
/** Completed runs of the same kind the expectation is taken from. */
const RUNS_USED = 3;

export const makeReadPastRuns =
  (deps: Pick<WorkflowDeps, "audit">): ActivityHandler<typeof ACTIVITIES.readPastRuns> =>
  async ({ cluster, mode, toVersion }, context: InvocationContext) => {
    try {
      const records = (await deps.audit().recent?.(cluster, RECENT_RECORDS)) ?? [];
      const runs: PastRun[] = records
        .filter((r) => r.outcome.status === "completed" && r.mode === mode && !r.hops?.length)
        .slice(0, RUNS_USED)
        .map((r) => ({ mode, stages: r.stages, dataUpgradeTo: r.dataUpgrade?.toVersion }));
      return pastDurations(runs, toVersion);
    } catch (error) {
      context.warn(`previous runs of ${cluster} not read: ${redactText(String(error)).slice(0, 300)}`);
      return { runs: 0 };
    }
  };
