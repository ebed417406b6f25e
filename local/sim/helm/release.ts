import { gunzipSync, gzipSync } from "node:zlib";
import { rfc3339, rfc3339Nano } from "../core/format.js";
import { uidFor } from "../core/hash.js";
import type { Values } from "../core/values.js";
import type { KubeObject } from "../kube/types.js";
import { CHART_NAME, chartDefaults, chartNotes, type ChartVersion } from "../model/charts.js";
import { WORKLOADS, type DesiredState } from "../model/workloads.js";

export type ReleaseStatus =
  | "unknown"
  | "deployed"
  | "uninstalled"
  | "superseded"
  | "failed"
  | "uninstalling"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback";

/** Helm 3's release record (pkg/release), as JSON-encoded into its storage Secret. */
export interface HelmRelease {
  name: string;
  info: {
    first_deployed: string;
    last_deployed: string;
    deleted: string;
    description: string;
    status: ReleaseStatus;
    notes: string;
  };
  chart: {
    metadata: {
      name: string;
      version: string;
      description: string;
      apiVersion: "v2";
      appVersion: string;
      type: "application";
    };
    lock: null;
    templates: { name: string; data: string }[];
    values: Values;
    schema: null;
    files: { name: string; data: string }[];
  };
  config: Values;
  manifest: string;
  version: number;
  namespace: string;
}

export function isPending(status: ReleaseStatus): boolean {
  return status.startsWith("pending-");
}

export function newRelease(input: {
  name: string;
  namespace: string;
  chart: ChartVersion;
  /** The chart values the revision rendered with; the chart's defaults unless `--reuse-values` carried others. */
  chartValues?: Values;
  config: Values;
  version: number;
  status: ReleaseStatus;
  description: string;
  firstDeployed: number;
  lastDeployed: number;
  desired: DesiredState;
}): HelmRelease {
  return {
    name: input.name,
    info: {
      first_deployed: rfc3339Nano(input.firstDeployed),
      last_deployed: rfc3339Nano(input.lastDeployed),
      deleted: "",
      description: input.description,
      status: input.status,
      notes: chartNotes(input.chart, input.config),
    },
    chart: {
      metadata: {
        name: CHART_NAME,
        version: input.chart.version,
        description: "Deploys all parts of the CluedIn platform",
        apiVersion: "v2",
        appVersion: input.chart.appVersion,
        type: "application",
      },
      lock: null,
      templates: [],
      values: input.chartValues ?? chartDefaults(input.chart),
      schema: null,
      files: [],
    },
    config: input.config,
    manifest: renderManifest(input.desired),
    version: input.version,
    namespace: input.namespace,
  };
}

/** A manifest with the shape Helm stores (`---` + `# Source:` documents), listing the rendered workloads. */
function renderManifest(desired: DesiredState): string {
  return WORKLOADS.map((def) => {
    const want = desired.workloads.get(def.name);
    return [
      "---",
      `# Source: cluedin-platform/templates/${def.name}.yaml`,
      `apiVersion: apps/v1`,
      `kind: ${def.kind}`,
      "metadata:",
      `  name: ${def.name}`,
      "spec:",
      `  replicas: ${want?.replicas ?? 1}`,
      "  template:",
      "    spec:",
      "      containers:",
      `      - name: ${def.container}`,
      `        image: ${want ? `${want.image}:${want.tag}` : def.image}`,
    ].join("\n");
  }).join("\n");
}

export function secretName(release: HelmRelease): string {
  return `sh.helm.release.v1.${release.name}.v${release.version}`;
}

/** Helm's storage encoding (pkg/storage/driver/util.go): base64(gzip(json)); the Secret's data adds base64 again. */
export function encodeRelease(release: HelmRelease): string {
  return gzipSync(Buffer.from(JSON.stringify(release)), { level: 9 }).toString("base64");
}

export function decodeRelease(secretData: string): HelmRelease {
  let bytes = Buffer.from(Buffer.from(secretData, "base64").toString("utf8"), "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString("utf8")) as HelmRelease;
}

/** The Secret object Helm's secrets driver writes for one revision (pkg/storage/driver/secrets.go). */
export function releaseSecret(release: HelmRelease, createdAt: number, modifiedAt: number | undefined): KubeObject {
  const labels: Record<string, string> = {
    name: release.name,
    owner: "helm",
    status: release.info.status,
    version: String(release.version),
    createdAt: String(Math.floor(createdAt / 1000)),
  };
  if (modifiedAt !== undefined) labels.modifiedAt = String(Math.floor(modifiedAt / 1000));
  const name = secretName(release);
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "helm.sh/release.v1",
    metadata: {
      name,
      namespace: release.namespace,
      uid: uidFor(`Secret/${release.namespace}/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels,
    },
    data: { release: Buffer.from(encodeRelease(release)).toString("base64") },
  };
}
