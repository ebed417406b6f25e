import { getPath, type Values } from "../core/values.js";

export const RELEASE_LABELS = { "app.kubernetes.io/instance": "cluedin-platform", release: "cluedin-platform" };
const REGISTRY = "cluedinprod.azurecr.io";

export interface WorkloadDef {
  name: string;
  kind: "Deployment" | "StatefulSet";
  /** `app` (and for the server `role`) labels, as the chart sets them. */
  labels: Record<string, string>;
  container: string;
  image: string;
  /** Values path of the component's own `image.tag`, which wins over `global.image.tag`; absent for infra images. */
  tagKey?: string;
  fixedTag?: string;
  port: number;
  readinessPath?: string;
  /** Milliseconds from container start to readiness (before time scaling). */
  readyMs: number;
  scaledToZeroInUpgradeMode: boolean;
  runsInUpgradeMode: boolean;
  serviceType?: "ClusterIP" | "LoadBalancer";
}

const platform = (
  name: string,
  labels: Record<string, string>,
  image: string,
  tagKey: string,
  readyMs: number,
  port: number,
  extra: Partial<WorkloadDef> = {},
): WorkloadDef => ({
  name,
  kind: "Deployment",
  labels,
  container: name.replace(/^cluedin-/, ""),
  image: `${REGISTRY}/cluedin/${image}`,
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
  app: string,
  image: string,
  tag: string,
  port: number,
  serviceType: WorkloadDef["serviceType"] = "ClusterIP",
): WorkloadDef => ({
  name,
  kind,
  labels: { app },
  container: app,
  image,
  fixedTag: tag,
  port,
  readyMs: 40_000,
  scaledToZeroInUpgradeMode: false,
  runsInUpgradeMode: false,
  serviceType,
});

const serverTag = "application.cluedin.image.tag";

/** The workloads of a CluedIn installation (REFERENCE §7). */
export const WORKLOADS: readonly WorkloadDef[] = [
  platform("cluedin-server", { app: "cluedin", role: "main" }, "cluedin-server", serverTag, 150_000, 9000, {
    container: "cluedin",
    readinessPath: "/health/readiness",
    runsInUpgradeMode: true,
  }),
  platform(
    "cluedin-server-processing",
    { app: "cluedin", role: "processing" },
    "cluedin-server",
    serverTag,
    120_000,
    9000,
    {
      container: "cluedin",
      readinessPath: "/health/readiness",
      runsInUpgradeMode: true,
    },
  ),
  platform(
    "cluedin-server-crawling",
    { app: "cluedin", role: "crawling" },
    "cluedin-server",
    serverTag,
    120_000,
    9000,
    {
      container: "cluedin",
      readinessPath: "/health/readiness",
      runsInUpgradeMode: true,
    },
  ),
  platform("cluedin-ui", { app: "ui" }, "ui", "application.ui.image.tag", 25_000, 80, {
    scaledToZeroInUpgradeMode: true,
  }),
  platform("cluedin-gql", { app: "gql" }, "graphql", "application.gql.image.tag", 35_000, 8888, {
    scaledToZeroInUpgradeMode: true,
  }),
  platform(
    "cluedin-datasource",
    { app: "datasource" },
    "datasource",
    "application.datasource.image.tag",
    40_000,
    8080,
    {
      scaledToZeroInUpgradeMode: true,
    },
  ),
  platform(
    "cluedin-datasource-processing",
    { app: "datasource-processing" },
    "datasource",
    "application.datasource.image.tag",
    40_000,
    8080,
    { scaledToZeroInUpgradeMode: true },
  ),
  platform(
    "cluedin-datasource-submitter",
    { app: "datasource-submitter" },
    "datasource",
    "application.datasource.image.tag",
    40_000,
    8080,
    { scaledToZeroInUpgradeMode: true },
  ),
  platform(
    "cluedin-controller",
    { app: "controller" },
    "cluedin-controller",
    "application.controller.image.tag",
    20_000,
    8080,
  ),
  infra("cluedin-openrefine", "Deployment", "openrefine", `${REGISTRY}/cluedin/openrefine`, "3.7.9", 3333),
  infra("cluedin-sqlserver", "Deployment", "sqlserver", `${REGISTRY}/cluedin/sqlserver`, "2022-cu14", 1433),
  infra(
    "cluedin-haproxy-ingress",
    "Deployment",
    "haproxy-ingress",
    "haproxytech/kubernetes-ingress",
    "1.10.11",
    80,
    "LoadBalancer",
  ),
  infra("cluedin-grafana", "Deployment", "grafana", "grafana/grafana", "10.4.1", 3000),
  infra(
    "cluedin-elasticsearch",
    "StatefulSet",
    "elasticsearch",
    "docker.elastic.co/elasticsearch/elasticsearch",
    "7.17.21",
    9200,
  ),
  infra("cluedin-neo4j", "StatefulSet", "neo4j", "neo4j", "4.4.33-enterprise", 7687),
  infra("cluedin-rabbitmq", "StatefulSet", "rabbitmq", "bitnami/rabbitmq", "3.12.14", 5672),
  infra("cluedin-redis-master", "StatefulSet", "redis", "bitnami/redis", "7.2.4", 6379),
];

export interface JobDef {
  name: string;
  container: string;
  image: string;
  runMs: number;
}

export const JOBS: readonly JobDef[] = [
  {
    name: "init-sqlserver-job",
    container: "init-sqlserver",
    image: `${REGISTRY}/cluedin/sqlserver-init`,
    runMs: 60_000,
  },
  { name: "init-neo4j-job", container: "init-neo4j", image: `${REGISTRY}/cluedin/neo4j-init`, runMs: 45_000 },
  { name: "init-cluedin-job", container: "init-cluedin", image: `${REGISTRY}/cluedin/cluedin-server`, runMs: 90_000 },
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
  upgradeMode: boolean;
  runDatabaseJobs: boolean;
  nugetFullRestore: boolean;
  packages: Package[];
  workloads: Map<string, DesiredWorkload>;
  /** `global.alerts.target`: where the platform posts upgrade progress (a webhook URL, itself a secret). */
  alertsTarget?: string;
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
export function renderDesired(effective: Values): DesiredState {
  const platformTag = text(getPath(effective, "global.image.tag")) ?? "latest";
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
    // The chart's coalesce (REFERENCE §7): a component tag wins over global.image.tag, which wins over the default.
    const tag = def.fixedTag ?? text(def.tagKey ? getPath(effective, def.tagKey) : undefined) ?? platformTag;
    const mode = upgradeMode && def.runsInUpgradeMode;
    const replicas = upgradeMode && def.scaledToZeroInUpgradeMode ? 0 : 1;
    const templateKey = def.name.startsWith(SERVER)
      ? `${mode}|${packages.map((p) => `${p.name}@${p.version}`).join(",")}`
      : "";
    workloads.set(def.name, {
      image: def.image,
      tag,
      upgradeMode: mode,
      replicas,
      templateKey,
      packages,
      nugetFullRestore,
    });
  }
  const alertsTarget = text(getPath(effective, "global.alerts.target"));
  return {
    platformTag,
    upgradeMode,
    runDatabaseJobs,
    nugetFullRestore,
    packages,
    workloads,
    ...(alertsTarget === undefined ? {} : { alertsTarget }),
  };
}
