/** Orchestration names, registered in main.ts and started by the HTTP triggers: one spelling each. */
export const ORCHESTRATIONS = {
  clusterLock: "clusterLock",
  upgrade: "upgrade",
  monitor: "monitor",
  queueDrain: "queueDrain",
} as const;
