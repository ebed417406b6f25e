import { getPath, type Values } from "../core/values.js";

export const CHART_NAME = "cluedin-platform";

export interface ChartVersion {
  version: string;
  appVersion: string;
  /** The chart's own `global.image.tag` default: always older than its appVersion, hence "set it explicitly". */
  defaultTag: string;
}

/** The simulated `cluedin` Helm repository index, oldest first. */
export const CHARTS: readonly ChartVersion[] = [
  { version: "2.3.0", appVersion: "2024.07.00", defaultTag: "2024.01.00" },
  { version: "2.4.1", appVersion: "2024.12.01", defaultTag: "2024.07.00" },
  { version: "2.4.2", appVersion: "2024.12.02", defaultTag: "2024.07.00" },
  { version: "2.5.0", appVersion: "2025.05.00", defaultTag: "2024.12.02" },
  { version: "2.5.3", appVersion: "2025.05.02", defaultTag: "2025.05.00" },
  { version: "2.6.0", appVersion: "2025.09.00", defaultTag: "2025.05.02" },
  { version: "2.7.0", appVersion: "2026.01.00", defaultTag: "2025.09.00" },
  { version: "2.8.0", appVersion: "2026.02.00", defaultTag: "2026.01.00" },
];

export function findChart(version: string): ChartVersion | undefined {
  return CHARTS.find((chart) => chart.version === version);
}

/** Accepts a chart version or an app version (release tag). */
export function findChartByRelease(release: string): ChartVersion | undefined {
  return CHARTS.find((chart) => chart.version === release || chart.appVersion === release);
}

export function latestChart(): ChartVersion {
  const last = CHARTS[CHARTS.length - 1];
  if (!last) throw new Error("empty chart table");
  return last;
}

export function chartDefaults(chart: ChartVersion): Values {
  return {
    global: { image: { tag: chart.defaultTag, registry: "cluedinprod.azurecr.io" }, strategy: { type: "Recreate" } },
    application: {
      system: { upgradeMode: false, runDatabaseJobsOnUpgrade: false, runNugetFullRestore: false },
      cluedin: { components: { packages: [] } },
    },
    infrastructure: { rabbitmq: { auth: { username: "cluedin", existingPasswordSecret: "cluedin-rabbitmq" } } },
  };
}

/** NOTES.txt, rendered with the release's values: like many charts' notes, it echoes one of them back. */
export function chartNotes(chart: ChartVersion, config: Values = {}): string {
  const alerts = getPath(config, "global.alerts.target");
  return [
    `CluedIn ${chart.appVersion} has been deployed.`,
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
