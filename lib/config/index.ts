export {
  clusterSummary,
  findClusterProfile,
  nextMaintenanceWindow,
  parseClusterProfiles,
  type ClusterPolicies,
  type ClusterProfile,
  type ClusterSummary,
  type ClusterThresholds,
  type ClusterTimings,
  type MaintenanceWindow,
  type Weekday,
} from "./clusters.js";
export { durationSchema, formatGoDuration, parseDuration, type DurationResult } from "./duration.js";
export { formatConfigIssues, formatPath, parseYamlConfig, type ConfigIssue, type ConfigResult } from "./yaml-config.js";
