import { getPath, type Values } from "../core/values.js";
import type { ChartVersion } from "./charts.js";
import { DEFAULT_TIMINGS } from "./timings.js";

export const RELEASE_LABELS = { "app.kubernetes.io/instance": "cluedin-platform", release: "cluedin-platform" };
/** The registry cluedin-infrastructure's values.yaml pins for every third-party image. */
const INFRA_REGISTRY = "cluedinprod.azurecr.io";

export interface WorkloadDef {
  name: string;
  kind: "Deployment" | "StatefulSet";
  /** `app` (and for the server `role`) labels, as the chart sets them. */
  labels: Record<string, string>;
  container: string;
  /** Repository without registry; application images take `global.image.registry` (common.images.image). */
  image: string;
  /** Registry fixed by the subchart's values; absent for application images. */
  registry?: string;
  /** Values path of the component's own `image.tag`, which wins over `global.image.tag`; absent for infra images. */
  tagKey?: string;
  fixedTag?: string;
  port: number;
  readinessPath?: string;
  /** Milliseconds from container start to readiness (before time scaling). */
  readyMs: number;
  /** The timing that gives `readyMs` instead (the server roles, whose start-up sets the Helm command's length). */
  readyTiming?: "serverReadyMs" | "serverRoleReadyMs";
  scaledToZeroInUpgradeMode: boolean;
  runsInUpgradeMode: boolean;
  serviceType?: "ClusterIP" | "LoadBalancer";
  /** volumeClaimTemplates of a StatefulSet: its PVCs are `<template>-<name>-<ordinal>`. */
  claimTemplates?: readonly string[];
  /** `common.wait.single` init containers (`wait-<service>`, image groundnuty/k8s-wait-for). */
  waitsFor?: readonly string[];
  /** Values path that must be true for the chart to render it, and the charts that have its template. */
  enabledBy?: { path: string; chart: (chart: ChartVersion) => boolean };
}

const app = (
  name: string,
  labels: Record<string, string>,
  container: string,
  image: string,
  tagKey: string,
  readyMs: number,
  port: number,
  extra: Partial<WorkloadDef> = {},
): WorkloadDef => ({
  name,
  kind: "Deployment",
  labels,
  container,
  image,
  tagKey,
  port,
  readyMs,
  scaledToZeroInUpgradeMode: false,
  runsInUpgradeMode: false,
  ...extra,
});

const infra = (
  name: string,
  kind: WorkloadDef["kind"],
  label: string,
  image: string,
  tag: string,
  port: number,
  extra: Partial<WorkloadDef> = {},
): WorkloadDef => ({
  name,
  kind,
  labels: { app: label },
  container: label,
  image,
  registry: INFRA_REGISTRY,
  fixedTag: tag,
  port,
  readyMs: 40_000,
  scaledToZeroInUpgradeMode: false,
  runsInUpgradeMode: false,
  serviceType: "ClusterIP",
  ...extra,
});

const serverTag = "application.cluedin.image.tag";
const server = { readinessPath: "/health/readiness", runsInUpgradeMode: true } as const;

/**
 * How long the server roles take from container start to readiness (timings.ts `serverReadyMs`,
 * `serverRoleReadyMs`; `readyMs` below is what the runbook set gives them). The guide's basic Helm upgrade (`--wait
 * --timeout 10m0s`, with runNugetFullRestore=true) says "After about 10 minutes, the Helm command in PowerShell should
 * complete" (CluedIn-io/CluedIn.Documentation docs/190-paas-operations/upgrade/upgrade-guide/
 * 030-perform-for-the-upgrade.md, "Basic Helm upgrade"); helm --wait returns when the slowest workload is ready, and
 * that is cluedin-server restoring every package before it answers /health/readiness. Modelled so the whole Helm
 * command takes about 8.8 min (Run Command start 6 s + apply 4 s + termination 30 s + image pull 40 s + 450 s), "about
 * 10 minutes" and still inside the page's 10 min timeout; the split between restore and start-up is an assumption.
 */
const SERVER_READY_MS = DEFAULT_TIMINGS.serverReadyMs;
/** The processing and crawling roles run the same image and restore, without serving the API first (assumption). */
const SERVER_ROLE_READY_MS = DEFAULT_TIMINGS.serverRoleReadyMs;

/**
 * The workloads cluedin-platform renders, from CluedIn-io/Charts charts/cluedin-platform/2.6.0:
 * cluedin-application templates/deployments/*.yaml (names, `app`/`role` labels, container names) and values.yaml
 * (`<component>.image.repository`), cluedin-infrastructure values.yaml (`fullnameOverride`s and pinned images, as of
 * 2.6.0) and the subcharts' volumeClaimTemplates. The monitoring DaemonSet and CRDs live in monitoring.ts.
 */
export const WORKLOADS: readonly WorkloadDef[] = [
  app(
    "cluedin-server",
    { app: "cluedin", role: "main" },
    "cluedin",
    "cluedin/cluedin-server",
    serverTag,
    SERVER_READY_MS,
    9000,
    { ...server, readyTiming: "serverReadyMs" },
  ),
  app(
    "cluedin-server-processing",
    { app: "cluedin", role: "processing" },
    "cluedin-processing",
    "cluedin/cluedin-server",
    serverTag,
    SERVER_ROLE_READY_MS,
    9000,
    { ...server, readyTiming: "serverRoleReadyMs" },
  ),
  app(
    "cluedin-server-crawling",
    { app: "cluedin", role: "crawling" },
    "cluedin-crawling",
    "cluedin/cluedin-server",
    serverTag,
    SERVER_ROLE_READY_MS,
    9000,
    { ...server, readyTiming: "serverRoleReadyMs" },
  ),
  app("cluedin-ui", { app: "ui" }, "ui", "cluedin/ui", "application.ui.image.tag", 25_000, 80, {
    scaledToZeroInUpgradeMode: true,
    waitsFor: ["cluedin-gql"],
  }),
  app("cluedin-gql", { app: "gql" }, "gql", "cluedin/cluedin-ui-gql", "application.gql.image.tag", 35_000, 8888, {
    scaledToZeroInUpgradeMode: true,
  }),
  app(
    "cluedin-datasource",
    { app: "datasource" },
    "datasource",
    "cluedin/data-source",
    "application.datasource.image.tag",
    40_000,
    8080,
    { scaledToZeroInUpgradeMode: true },
  ),
  app(
    "cluedin-datasource-processing",
    { app: "datasource-processing" },
    "datasource-processing",
    "cluedin/data-source-processing",
    "application.datasourceProcessing.image.tag",
    40_000,
    8080,
    { scaledToZeroInUpgradeMode: true },
  ),
  app(
    "cluedin-datasource-submitter",
    { app: "datasource-submitter" },
    "cluedin-datasource-submitter",
    "cluedin/data-source-submitter",
    "application.submitter.image.tag",
    40_000,
    8080,
    { scaledToZeroInUpgradeMode: true },
  ),
  app(
    "cluedin-controller",
    { app: "cluedin-controller" },
    "cluedin-controller",
    "cluedin/controller",
    "application.cluedincontroller.image.tag",
    20_000,
    8080,
  ),
  app(
    "cluedin-openrefine",
    { app: "openrefine" },
    "openrefine",
    "cluedin/openrefine",
    "application.openrefine.image.tag",
    30_000,
    3333,
  ),
  app(
    "cluedin-ai",
    { app: "cluedin-ai" },
    "cluedin-ai",
    "cluedin/ai-host",
    "application.cluedinai.image.tag",
    30_000,
    8080,
    {
      enabledBy: { path: "application.cluedinai.enabled", chart: (chart) => chart.cluedinAi },
    },
  ),
  infra("cluedin-sqlserver", "Deployment", "sqlserver", "mssql/server", "2022-latest", 1433),
  infra(
    "cluedin-haproxy-ingress",
    "Deployment",
    "haproxy-ingress",
    "jcmoraisjr/haproxy-ingress",
    "v0.14.7-alpine-fix.4",
    80,
    {
      serviceType: "LoadBalancer",
    },
  ),
  infra("cluedin-grafana", "Deployment", "grafana", "grafana/grafana", "10.3.12", 3000),
  infra(
    "cluedin-operator",
    "Deployment",
    "kube-prometheus-stack-operator",
    "prometheus-operator/prometheus-operator",
    "v0.79.2",
    10250,
  ),
  infra(
    "cluedin-kube-state-metrics",
    "Deployment",
    "kube-state-metrics",
    "kube-state-metrics/kube-state-metrics",
    "v2.14.0",
    8080,
  ),
  infra("cluedin-elasticsearch", "StatefulSet", "elasticsearch", "elasticsearch/elasticsearch", "7.8.0", 9200, {
    claimTemplates: ["cluedin-elasticsearch"],
  }),
  infra("cluedin-neo4j", "StatefulSet", "neo4j", "cluedin/neo4j", "2024.12", 7687, {
    tagKey: "infrastructure.neo4j.image.tag",
    claimTemplates: ["data"],
  }),
  infra("cluedin-rabbitmq", "StatefulSet", "rabbitmq", "bitnami/rabbitmq", "3.12.14-debian-12-r7", 5672, {
    claimTemplates: ["data"],
  }),
  infra("cluedin-redis-master", "StatefulSet", "redis", "bitnami/redis", "7.4.1-debian-12-r2", 6379, {
    claimTemplates: ["redis-data"],
  }),
  // Created by prometheus-operator from the chart's Prometheus and Alertmanager resources (storageSpec claims).
  infra("prometheus-cluedin-prometheus", "StatefulSet", "prometheus", "prometheus/prometheus", "v2.55.0", 9090, {
    claimTemplates: ["prometheus-cluedin-prometheus-db"],
  }),
  infra(
    "alertmanager-cluedin-alertmanager",
    "StatefulSet",
    "alertmanager",
    "prometheus/alertmanager",
    "v0.28.0",
    9093,
    {
      claimTemplates: ["alertmanager-cluedin-alertmanager-db"],
    },
  ),
];

/** PVC names the StatefulSets' volumeClaimTemplates produce for ordinal 0 (`<template>-<statefulset>-0`). */
export function claimNames(def: WorkloadDef, replicas = 1): string[] {
  return (def.claimTemplates ?? []).flatMap((template) =>
    Array.from({ length: replicas }, (_, ordinal) => `${template}-${def.name}-${ordinal}`),
  );
}

export interface JobDef {
  name: string;
  container: string;
  image: string;
  /** The timing that says how long the job runs. */
  runTiming: "sqlserverJobMs" | "neo4jJobMs" | "nugetJobMs";
}

/**
 * The database jobs `runDatabaseJobsOnUpgrade=true` runs on every upgrade. They outlast the Helm command, which does
 * not wait for jobs (no --wait-for-jobs): "while the Helm upgrade itself will be finished, some pods may still be
 * starting up. It can take an additional 10–15 minutes for all pods to become fully healthy (green)", and "A standard
 * CluedIn upgrade typically results in 20–30 minutes of downtime" (upgrade-guide/030-perform-for-the-upgrade.md,
 * "Basic Helm upgrade"). The 2024.01 page gives the longest: "This will trigger a neo4j database backup and migration
 * along with a SQL upgrade. It can take up to 20 minutes to complete. It'll be ready when all init-jobs have
 * completed" (docs/190-paas-operations/upgrade/201-upgrade-202401.md, Stage 2). So the neo4j job runs 20 min and the
 * cluster is healthy about 20.3 min after the Helm command starts, 11.5 min after Helm returns; the other two jobs'
 * lengths (10 and 15 min) are assumptions below it. The lengths are timings (timings.ts), so a test can shorten them.
 */
export const JOBS: readonly JobDef[] = [
  {
    name: "init-sqlserver-job",
    container: "init-sqlserver",
    image: "cluedin/sqlserver-init",
    runTiming: "sqlserverJobMs",
  },
  { name: "init-neo4j-job", container: "init-neo4j", image: "cluedin/neo4j-init", runTiming: "neo4jJobMs" },
  { name: "init-cluedin-job", container: "init-cluedin", image: "cluedin/nuget-installer", runTiming: "nugetJobMs" },
];

export const SERVER = "cluedin-server";
export const UI = "cluedin-ui";
export const RABBITMQ = "cluedin-rabbitmq";
export const PROCESSING = "cluedin-server-processing";

export interface Package {
  name: string;
  version: string;
}

/** What the chart renders from the coalesced values; a change in `template` restarts the pods. */
export interface DesiredWorkload {
  image: string;
  tag: string;
  upgradeMode: boolean;
  replicas: number;
  /** Pod-template content beyond the image: changes in it roll the pods too. */
  templateKey: string;
  packages: readonly Package[];
  nugetFullRestore: boolean;
}

export interface DesiredState {
  platformTag: string;
  /** `global.image.registry`, which the init jobs' images take too. */
  registry?: string;
  upgradeMode: boolean;
  runDatabaseJobs: boolean;
  nugetFullRestore: boolean;
  packages: Package[];
  workloads: Map<string, DesiredWorkload>;
  /** `global.alerts.target`: where the platform posts upgrade progress (a webhook URL, itself a secret). */
  alertsTarget?: string;
  /**
   * `application.bootstrap.dataUpgrade.toVersion`: cluedin-application templates/customresources/
   * bootstrap-data-upgrade.yaml renders a DataUpgrade named `data-upgrade` with it (the 2024.07 pages set Version430).
   */
  bootstrapDataUpgrade?: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function flag(value: unknown): boolean {
  return value === true || value === "true";
}

/** Renders the chart's effective state from coalesced values (user values over chart defaults). */
export function renderDesired(chart: ChartVersion, effective: Values): DesiredState {
  const platformTag = text(getPath(effective, "global.image.tag")) ?? chart.appVersion;
  const registry = text(getPath(effective, "global.image.registry"));
  const upgradeMode = flag(getPath(effective, "application.system.upgradeMode"));
  const rawPackages = getPath(effective, "application.cluedin.components.packages");
  const packages: Package[] = Array.isArray(rawPackages)
    ? rawPackages.flatMap((p: unknown) => {
        const name = text(getPath(p, "name"));
        return name ? [{ name, version: text(getPath(p, "version")) ?? "latest" }] : [];
      })
    : [];
  const runDatabaseJobs = flag(getPath(effective, "application.system.runDatabaseJobsOnUpgrade"));
  const nugetFullRestore = flag(getPath(effective, "application.system.runNugetFullRestore"));
  const workloads = new Map<string, DesiredWorkload>();
  for (const def of WORKLOADS) {
    if (def.enabledBy && !(def.enabledBy.chart(chart) && flag(getPath(effective, def.enabledBy.path)))) continue;
    // common.images.image: `coalesce .imageRoot.tag .global.image.tag` - a component tag pin (the 2026.01.00 support
    // page's application.datasourceProcessing.image.tag: 4.7.0-update.118) wins over the global tag.
    const pinned = text(def.tagKey ? getPath(effective, def.tagKey) : undefined);
    const tag = pinned ?? def.fixedTag ?? platformTag;
    const imageRegistry = def.registry ?? registry;
    const mode = upgradeMode && def.runsInUpgradeMode;
    const replicas = upgradeMode && def.scaledToZeroInUpgradeMode ? 0 : 1;
    const templateKey = def.name.startsWith(SERVER)
      ? `${mode}|${packages.map((p) => `${p.name}@${p.version}`).join(",")}`
      : "";
    workloads.set(def.name, {
      image: imageRegistry ? `${imageRegistry}/${def.image}` : def.image,
      tag,
      upgradeMode: mode,
      replicas,
      templateKey,
      packages,
      nugetFullRestore,
    });
  }
  const alertsTarget = text(getPath(effective, "global.alerts.target"));
  const bootstrapDataUpgrade = text(getPath(effective, "application.bootstrap.dataUpgrade.toVersion"));
  return {
    platformTag,
    ...(registry !== undefined ? { registry } : {}),
    upgradeMode,
    runDatabaseJobs,
    nugetFullRestore,
    packages,
    workloads,
    ...(alertsTarget === undefined ? {} : { alertsTarget }),
    ...(bootstrapDataUpgrade === undefined ? {} : { bootstrapDataUpgrade }),
  };
}
