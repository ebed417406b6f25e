/**
 * One VolumeSnapshot per claim, named and labelled after the run (lib/workflow/snapshots.ts), so a retried start
 * finds what the first made and retention can tell the sets apart.
 */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { runLabel } from "../lib/workflow/snapshots.js";

export const makeCreateSnapshots =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.createSnapshots> =>
  async ({ cluster, runId, className, set }) =>
    (await deps.cluster(cluster).volumes()).createSnapshots(set, className, {
      run: runLabel(runId),
      runId,
      cluster,
    });
