/** Deletes snapshots by name (a failed stage's own, or an old set); their contents follow the class's policy. */
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeDeleteSnapshots =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.deleteSnapshots> =>
  async ({ cluster, names }) => ({ deleted: await (await deps.cluster(cluster).volumes()).deleteSnapshots(names) });
