/** The monitor's pre-pull check: the DaemonSet has a ready pod on every node (lib/workflow/prepull.ts). */
import type { WorkflowActivities } from "../lib/workflow/activities.js";
import type { MonitorCheck } from "../lib/workflow/orchestrations.js";
import { evaluatePrePull } from "../lib/workflow/prepull.js";
import { call, type Flow } from "./calls.js";
import type { Look } from "./monitor.js";
import { transientRetry } from "./retry.js";

export type PrePullMonitorActivity = "observePrePull";

export function* lookAtPrePull(
  activities: Pick<WorkflowActivities, PrePullMonitorActivity>,
  cluster: string,
  check: Extract<MonitorCheck, { kind: "prepull" }>,
): Flow<Look> {
  const seen = yield* call(activities.observePrePull, { cluster, name: check.name }, transientRetry);
  return { ...evaluatePrePull(seen), observation: seen };
}
