/** Waiting for CluedIn's pods to be ready, the one wait several stages share (a monitor sub-orchestration). */
import type { Pace } from "../../lib/workflow/polling.js";
import type { Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import type { UpgradeRun } from "./run.js";

/**
 * Watches the pods until they are all ready or `withinMs` has passed on the durable clock; with a `pace` (runs from
 * 2.3) the polls follow when the pods are expected to be ready.
 */
export function* watchPods(run: UpgradeRun, withinMs: number, pace?: Pace): Flow<{ ok: boolean; summary: string }> {
  const watch = scheduleMonitor(run.deps.monitor, {
    cluster: run.cluster,
    check: { kind: "pods" },
    intervalMs: run.policy.pollIntervalMs,
    deadline: new Date(run.now.getTime() + withinMs).toISOString(),
    ...(pace ? { pace } : {}),
  });
  yield watch.task;
  return watch.result();
}
