/** The monitor's volume checks: workloads quiet, snapshots ready, restored claims bound (lib/workflow/snapshots.ts). */
import type { WorkflowActivities } from "../lib/workflow/activities.js";
import type { MonitorCheck } from "../lib/workflow/orchestrations.js";
import { evaluateClaimsRestored, evaluateQuiesced, evaluateSnapshotSet } from "../lib/workflow/snapshots.js";
import { call, type Flow } from "./calls.js";
import type { Look } from "./monitor.js";
import { transientRetry } from "./retry.js";

export type VolumeMonitorActivity = "listWorkloads" | "observeSnapshots" | "observeClaims";
type VolumeCheck = Extract<MonitorCheck, { kind: "quiesced" | "snapshots" | "claims" }>;

export function* lookAtVolumes(
  activities: Pick<WorkflowActivities, VolumeMonitorActivity>,
  cluster: string,
  check: VolumeCheck,
): Flow<Look> {
  switch (check.kind) {
    case "quiesced": {
      const all = yield* call(activities.listWorkloads, { cluster }, transientRetry);
      const seen = all.filter((w) => check.names.includes(w.name));
      return { ...evaluateQuiesced(seen), observation: seen };
    }
    case "snapshots": {
      const seen = yield* call(activities.observeSnapshots, { cluster, names: check.names }, transientRetry);
      return { ...evaluateSnapshotSet(seen), observation: seen };
    }
    case "claims": {
      const seen = yield* call(activities.observeClaims, { cluster, names: check.names }, transientRetry);
      return { ...evaluateClaimsRestored(seen), observation: seen };
    }
  }
}
