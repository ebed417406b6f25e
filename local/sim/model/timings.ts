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
  /** cluedin-server from container start to readiness (workloads.ts has the sources). */
  serverReadyMs: number;
  /** The processing and crawling roles of the server from container start to readiness. */
  serverRoleReadyMs: number;
  /** The database jobs `runDatabaseJobsOnUpgrade=true` runs (workloads.ts JOBS has the sources). */
  sqlserverJobMs: number;
  neo4jJobMs: number;
  nugetJobMs: number;
  /** Messages per minute a processing queue drains while consumers run. */
  queueDrainPerMinute: number;
  /** Dead-letter growth per minute with the `deadLetterGrowth` fault. */
  deadLetterGrowthPerMinute: number;
}

/**
 * Realistic durations, on the scale of the runbook (CluedIn-io/CluedIn.Documentation docs/190-paas-operations/upgrade/
 * upgrade-guide/030-perform-for-the-upgrade.md): a basic Helm upgrade "After about 10 minutes", pods "an additional
 * 10–15 minutes", "20–30 minutes of downtime". The Helm command's length comes from the workloads' readiness and the
 * cluster's health from the database jobs (workloads.ts); data upgrades replay the pages' logs (upgrade-scripts.ts).
 * The benchmark of the automation's overhead runs these at time scale 1; the e2e tests at 0.05.
 */
export const DEFAULT_TIMINGS: Timings = {
  // Assumption: AKS Run Command schedules a pod in aks-command and pulls its image before the command runs.
  runCommandStartMs: 6_000,
  commandMs: 1_500,
  // Assumption: helm renders cluedin-platform's subcharts and applies the manifests before --wait begins.
  helmApplyMs: 4_000,
  // Kubernetes' default terminationGracePeriodSeconds (30) with the chart's `global.strategy.type: Recreate`.
  podTerminateMs: 30_000,
  imagePullMs: 40_000,
  crashRunMs: 20_000,
  crashBackoffBaseMs: 10_000,
  crashBackoffCapMs: 300_000,
  helmDiesAfterMs: 45_000,
  slowRolloutExtraMs: 120_000,
  // Assumption: the controller's reconcile picks a new DataUpgrade up within seconds; the call itself then takes
  // what the page's log says (Version440 3044 s on the 2024.12 page, Version450 1.9 s in the guide).
  dataUpgradePickupMs: 10_000,
  // Versions no page logs run three generic steps of this length (upgrade-scripts.ts); an assumption.
  dataUpgradeStepMs: 20_000,
  serverReadyMs: 450_000,
  serverRoleReadyMs: 420_000,
  sqlserverJobMs: 600_000,
  neo4jJobMs: 1_200_000,
  nugetJobMs: 900_000,
  queueDrainPerMinute: 600,
  deadLetterGrowthPerMinute: 30,
};

/**
 * The compact set the end-to-end tests run (`timingSet: "compact"`): the rollout as it was before the runbook-scale
 * durations, a server ready in 2.5 min and database jobs of a minute or so, so that a test's upgrade polls a few
 * times rather than a few dozen. Everything else is the runbook set.
 */
export const COMPACT_TIMINGS: Timings = {
  ...DEFAULT_TIMINGS,
  serverReadyMs: 150_000,
  serverRoleReadyMs: 120_000,
  sqlserverJobMs: 60_000,
  neo4jJobMs: 45_000,
  nugetJobMs: 90_000,
};

export const TIMING_SETS = { runbook: DEFAULT_TIMINGS, compact: COMPACT_TIMINGS } as const;
export type TimingSet = keyof typeof TIMING_SETS;

/** Timings with the scale applied: durations shrink, rates grow. */
export function scaleTimings(timings: Timings, scale: number): Timings {
  const scaled = { ...timings };
  for (const key of Object.keys(scaled) as (keyof Timings)[]) {
    scaled[key] = key.endsWith("PerMinute") ? timings[key] / scale : timings[key] * scale;
  }
  return scaled;
}
