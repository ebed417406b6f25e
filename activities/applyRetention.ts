/**
 * Keeps the newest `keep` snapshot sets of the cluster and deletes older ones (lib/workflow/snapshots.ts
 * setsToDelete). A set whose run has not finished is never deleted: its status is read through the durable client,
 * and a set whose run cannot be read is kept too.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { groupSets, setsToDelete, type SnapshotSetInfo } from "../lib/workflow/snapshots.js";

const FINISHED = new Set([
  df.OrchestrationRuntimeStatus.Completed,
  df.OrchestrationRuntimeStatus.Failed,
  df.OrchestrationRuntimeStatus.Terminated,
]);

export const makeApplyRetention =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.applyRetention> =>
  async ({ cluster, keep, protectRuns }, context: InvocationContext) => {
    const volumes = await deps.cluster(cluster).volumes();
    const sets = groupSets(await volumes.labelledSnapshots(cluster));
    const client = df.getClient(context);
    const skipped: { run: string; why: string }[] = [];
    const unfinished = new Set<string>();
    for (const set of setsToDelete(sets, keep, () => false)) {
      if (protectRuns.includes(set.runId ?? set.run)) unfinished.add(set.run);
      else if (!set.runId) unfinished.add(set.run);
      else {
        const status = await client.getStatus(set.runId).catch(() => undefined);
        if (status?.runtimeStatus === undefined || !FINISHED.has(status.runtimeStatus)) unfinished.add(set.run);
      }
      if (unfinished.has(set.run)) skipped.push({ run: set.run, why: "its run has not finished (or is unknown)" });
    }
    const doomed = setsToDelete(sets, keep, (set: SnapshotSetInfo) => unfinished.has(set.run));
    const deleted: { run: string; names: string[] }[] = [];
    for (const set of doomed) deleted.push({ run: set.run, names: await volumes.deleteSnapshots(set.names) });
    return { sets: sets.length, deleted, skipped };
  };
