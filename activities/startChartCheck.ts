/**
 * Pre-check: the target chart version resolves from the cluster's chart source, through the same runner and the
 * same source argument the upgrade will use (`helm show chart cluedin-platform --repo <url> --version <v>`, or the
 * `oci://` reference). Started and left running; the orchestration polls it and judges helm's answer.
 */
import { helmShowChartArgs } from "../lib/clients/helm.js";
import { toShellLine } from "../lib/clients/shell.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeStartChartCheck =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.startChartCheck> =>
  async ({ cluster, chartVersion }) => {
    const clients = deps.cluster(cluster);
    const command = helmShowChartArgs({ source: clients.profile.chartSource, version: chartVersion });
    const handle = await clients.runner.start([command], []);
    return { ok: true, handle, command: toShellLine([command]), resumed: false };
  };
