/**
 * The contracts between the workflow's activities and the clients that reach a cluster. Everything here is plain
 * data that may travel through orchestration history: no credential, token, kubeconfig or secret value ever appears
 * in these shapes (values text is the one exception, and it never leaves an activity).
 */

/** Where a cluster lives and how to reach it; built from a cluster profile. */
export interface ClusterTarget {
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  namespace: string;
  releaseName: string;
  armEndpoint: string;
  uiUrl: string;
}

export interface ClusterFacts {
  kubernetesVersion: string;
  aadManaged: boolean;
  azureRbac: boolean;
  privateCluster: boolean;
  runCommandAllowed: boolean;
  provisioningState: string;
}

export type HelmReleaseStatus =
  | "unknown"
  | "deployed"
  | "uninstalled"
  | "superseded"
  | "failed"
  | "uninstalling"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback";

/** One Helm revision as stored in its release Secret, without its values. */
export interface HelmRevision {
  revision: number;
  status: HelmReleaseStatus;
  chartVersion: string;
  appVersion: string;
  description: string;
  updatedAt: string;
}

/** A revision with its user values (the `config` Helm stored). Holds secrets: never returned from an activity. */
export interface HelmRevisionWithValues extends HelmRevision {
  valuesYaml: string;
}

export interface HelmCommandFile {
  name: string;
  content: string;
}

/** Identifies a started command so a later activity (after a restart, on another machine) can poll it. */
export type CommandHandle =
  | { driver: "run-command"; commandId: string; startedAt: string }
  | { driver: "cli"; runId: string; startedAt: string }
  /** A command found already started (by its revision's marker): its progress is the revision's status. */
  | { driver: "release"; revision: number; startedAt: string };

export type CommandPoll = { state: "running" } | { state: "done"; exitCode: number; logs: string; finishedAt: string };

export interface PodProblem {
  pod: string;
  reason: string;
  detail: string;
}

export interface PodsSummary {
  total: number;
  ready: number;
  completed: number;
  healthy: boolean;
  problems: PodProblem[];
  jobs: { name: string; complete: boolean; failed: boolean }[];
  images: Record<string, string>;
}

export interface LogScan {
  windowSeconds: number;
  errorLines: string[];
  applicationStarted: boolean;
  /** The data upgrade's `HTTP POST /api/upgradeto/<version> responded NNN` line, when present. */
  dataUpgradeResponse?: { toVersion: string; status: number; line: string };
}

export interface QueueDepth {
  name: string;
  messages: number;
  consumers: number;
}

export interface UiProbe {
  ok: boolean;
  status?: number;
  elapsedMs: number;
  error?: string;
}

export interface DataUpgradeState {
  name: string;
  toVersion: string;
  phase?: string;
  message?: string;
  created: boolean;
}
