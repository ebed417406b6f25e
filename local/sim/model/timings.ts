/** Durations of the simulated world in realistic milliseconds; the simulator multiplies each by its time scale. */
export interface Timings {
  /** AKS schedules the Run Command pod before the command starts. */
  runCommandStartMs: number;
  /** A command that does not wait on the cluster (helm list, kubectl get). */
  commandMs: number;
  /** helm renders and applies manifests before it starts waiting. */
  helmApplyMs: number;
  podTerminateMs: number;
  imagePullMs: number;
  crashRunMs: number;
  crashBackoffBaseMs: number;
  crashBackoffCapMs: number;
  /** With the `helmUpgrade: dies` fault, the helm process is killed this long after it started. */
  helmDiesAfterMs: number;
  /** With the `helmUpgrade: timeout` fault, pods get ready this long after helm's deadline. */
  slowRolloutExtraMs: number;
  dataUpgradePickupMs: number;
  dataUpgradeStepMs: number;
  /** Messages per minute a processing queue drains while consumers run. */
  queueDrainPerMinute: number;
  /** Dead-letter growth per minute with the `deadLetterGrowth` fault. */
  deadLetterGrowthPerMinute: number;
}

export const DEFAULT_TIMINGS: Timings = {
  runCommandStartMs: 6_000,
  commandMs: 1_500,
  helmApplyMs: 4_000,
  podTerminateMs: 30_000,
  imagePullMs: 40_000,
  crashRunMs: 20_000,
  crashBackoffBaseMs: 10_000,
  crashBackoffCapMs: 300_000,
  helmDiesAfterMs: 45_000,
  slowRolloutExtraMs: 120_000,
  dataUpgradePickupMs: 10_000,
  dataUpgradeStepMs: 20_000,
  queueDrainPerMinute: 600,
  deadLetterGrowthPerMinute: 30,
};

/** Timings with the scale applied: durations shrink, rates grow. */
export function scaleTimings(timings: Timings, scale: number): Timings {
  const scaled = { ...timings };
  for (const key of Object.keys(scaled) as (keyof Timings)[]) {
    scaled[key] = key.endsWith("PerMinute") ? timings[key] / scale : timings[key] * scale;
  }
  return scaled;
}
