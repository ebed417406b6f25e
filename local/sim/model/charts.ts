import { getPath, textAt, type Values } from "../core/values.js";

export const CHART_NAME = "cluedin-platform";

export interface ChartVersion {
  version: string;
  /** Chart.yaml `appVersion`: the release train (`2024.12`), not a full release tag, until 2.6.0's `2025.09.00`. */
  appVersion: string;
  /** The CluedIn releases whose upgrade page (CluedIn.Documentation 190-paas-operations/upgrade/2xx) names this chart. */
  releases: readonly string[];
  /** values.yaml `global.image.tag`: older than the release, hence the pages' "set it explicitly". */
  defaultTag: string;
  /** The bundled kube-prometheus-stack's prometheus-operator (its Chart.yaml appVersion), which fixes the CRDs. */
  prometheusOperator: string;
  /**
   * The prometheus-node-exporter subchart's DaemonSet selector: 3.x selects `app`/`release`, 4.x selects
   * `app.kubernetes.io/name`/`instance` (templates/daemonset.yaml, _helpers.tpl selectorLabels).
   */
  nodeExporterSelector: "app-release" | "app.kubernetes.io";
  /** Whether templates/deployments/cluedin-ai.yaml exists (rendered only with `application.cluedinai.enabled`). */
  cluedinAi: boolean;
  /** Not in CluedIn-io/Charts' history we have: extrapolated from 2.6.0. */
  extrapolated?: true;
}

const train = (
  appVersion: string,
  defaultTag: string,
  operator: string,
  selector: ChartVersion["nodeExporterSelector"],
) =>
  ({ appVersion, defaultTag, prometheusOperator: operator, nodeExporterSelector: selector, cluedinAi: false }) as const;
const KPS_39 = ["0.58.0", "app-release"] as const; // kube-prometheus-stack 39.13.3, node-exporter 3.3.1
const KPS_56 = ["v0.71.2", "app.kubernetes.io"] as const; // kube-prometheus-stack 56.18.0, node-exporter 4.30.3
const KPS_68 = ["v0.79.2", "app.kubernetes.io"] as const; // kube-prometheus-stack 68.3.2, node-exporter 4.43.1

/**
 * The `cluedin` repository's cluedin-platform index, oldest first: CluedIn-io/Charts
 * charts/cluedin-platform/<version>/ (Chart.yaml, values.yaml, charts/cluedin-infrastructure/charts/
 * kube-prometheus-stack/Chart.yaml). 2.7.0 and 2.8.0 are not in that history: they repeat 2.6.0 with the app
 * version of their release page (215, 216).
 */
export const CHARTS: readonly ChartVersion[] = [
  { version: "2.3.0", releases: ["2024.07.00"], ...train("2024.07", "2024.07", ...KPS_39) },
  { version: "2.3.1", releases: ["2024.07.01", "2024.07.02"], ...train("2024.07", "2024.07", ...KPS_39) },
  { version: "2.3.2", releases: ["2024.07.03"], ...train("2024.07", "2024.07", ...KPS_56) },
  { version: "2.4.0", releases: [], ...train("2024.07", "2024.07", ...KPS_39) },
  { version: "2.4.1", releases: ["2024.12", "2024.12.01"], ...train("2024.12", "2024.12", ...KPS_68) },
  { version: "2.4.2", releases: ["2024.12.02"], ...train("2024.12", "2024.12", ...KPS_68) },
  { version: "2.5.0", releases: ["2025.05.00", "2025.05.01"], ...train("2025.05", "2024.12", ...KPS_68) },
  { version: "2.5.1", releases: [], ...train("2025.05", "2024.12", ...KPS_68) },
  { version: "2.5.2", releases: [], ...train("2025.05", "2024.12", ...KPS_68) },
  { version: "2.5.3", releases: ["2025.05.02"], ...train("2025.05", "2024.12", ...KPS_68) },
  { version: "2.6.0", releases: ["2025.09.00"], ...train("2025.09.00", "2024.12", ...KPS_68), cluedinAi: true },
  {
    version: "2.7.0",
    releases: ["2026.01.00"],
    ...train("2026.01.00", "2024.12", ...KPS_68),
    cluedinAi: true,
    extrapolated: true,
  },
  {
    version: "2.8.0",
    releases: ["2026.02.00"],
    ...train("2026.02.00", "2024.12", ...KPS_68),
    cluedinAi: true,
    extrapolated: true,
  },
];

/** The release a revision on this chart runs when a scenario does not say: the newest page naming the chart. */
export function releaseOf(chart: ChartVersion): string {
  return chart.releases.at(-1) ?? chart.appVersion;
}

export function findChart(version: string): ChartVersion | undefined {
  return CHARTS.find((chart) => chart.version === version);
}

/** Accepts a chart version or a release tag of its upgrade page. */
export function findChartByRelease(release: string): ChartVersion | undefined {
  return CHARTS.find((chart) => chart.version === release || chart.releases.includes(release));
}

export function latestChart(): ChartVersion {
  const last = CHARTS[CHARTS.length - 1];
  if (!last) throw new Error("empty chart table");
  return last;
}

/** The values.yaml defaults the simulator renders from (cluedin-platform and cluedin-application values.yaml). */
export function chartDefaults(chart: ChartVersion): Values {
  return {
    global: { image: { tag: chart.defaultTag, registry: "docker.io" }, strategy: { type: "Recreate" } },
    application: {
      system: { upgradeMode: false, runDatabaseJobsOnUpgrade: false, runNugetFullRestore: false },
      bootstrap: { dataUpgrade: { toVersion: "" } },
      cluedin: { components: { packages: [] } },
      ...(chart.cluedinAi ? { cluedinai: { enabled: false } } : {}),
    },
    infrastructure: { rabbitmq: { auth: { username: "cluedin", existingPasswordSecret: "cluedin-rabbitmq" } } },
  };
}

/** NOTES.txt, rendered with the release's values: like many charts' notes, it echoes one of them back. */
export function chartNotes(chart: ChartVersion, config: Values = {}): string {
  const alerts = getPath(config, "global.alerts.target");
  return [
    `CluedIn ${textAt(config, "global.image.tag") ?? chart.appVersion} has been deployed.`,
    "",
    "Open the CluedIn UI through the haproxy ingress of namespace cluedin.",
    ...(typeof alerts === "string" ? ["", `Upgrade alerts are posted to ${alerts}`] : []),
    "",
  ].join("\n");
}

/**
 * The chart's Chart.yaml as `helm show chart` prints it (keys sorted, as Helm's YAML marshalling writes them). Every
 * cluedin-platform 2.3.0-2.6.0 Chart.yaml in CluedIn-io/Charts is this one but for `version` and `appVersion`.
 */
export function chartYaml(chart: ChartVersion): string {
  const appVersion = /^\d+\.\d+$/.test(chart.appVersion) ? `"${chart.appVersion}"` : chart.appVersion;
  return `apiVersion: v2
appVersion: ${appVersion}
dependencies:
- alias: common
  name: cluedin-common
  repository: file://../cluedin-common
  version: 1.x.x
- alias: infrastructure
  condition: infrastructure.enabled, global.infrastructure.enabled
  name: cluedin-infrastructure
  repository: file://../cluedin-infrastructure
  version: x.x.x
- alias: application
  condition: application.enabled, global.application.enabled
  name: cluedin-application
  repository: file://../cluedin-application
  version: x.x.x
description: Deploys all parts of the CluedIn platform
icon: https://www.cluedin.net/favicon.png
kubeVersion: '>=1.21.0-0'
maintainers:
- email: support@cluedin.com
  name: Support
name: cluedin-platform
type: application
version: ${chart.version}
`;
}
