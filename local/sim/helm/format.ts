import { stringify } from "yaml";
import { ansic, goTimeString } from "../core/format.js";
import type { HelmRelease } from "./release.js";

export type OutputFormat = "table" | "json" | "yaml";

/** Helm's uitable: every cell padded to its column's width, columns joined by a tab. */
export function uiTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("\t")}\n`).join("");
}

const chartRef = (r: HelmRelease): string => `${r.chart.metadata.name}-${r.chart.metadata.version}`;

export function listOutput(releases: HelmRelease[], format: OutputFormat): string {
  const rows = releases.map((r) => ({
    name: r.name,
    namespace: r.namespace,
    revision: String(r.version),
    updated: goTimeString(Date.parse(r.info.last_deployed)),
    status: r.info.status,
    chart: chartRef(r),
    app_version: r.chart.metadata.appVersion,
  }));
  if (format === "json") return `${JSON.stringify(rows)}\n`;
  if (format === "yaml") return stringify(rows);
  return uiTable([
    ["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"],
    ...rows.map((r) => [r.name, r.namespace, r.revision, r.updated, r.status, r.chart, r.app_version]),
  ]);
}

export function historyOutput(releases: HelmRelease[], format: OutputFormat): string {
  const rows = releases.map((r) => ({
    revision: r.version,
    updated: r.info.last_deployed,
    status: r.info.status,
    chart: chartRef(r),
    app_version: r.chart.metadata.appVersion,
    description: r.info.description,
  }));
  if (format === "json") return `${JSON.stringify(rows)}\n`;
  if (format === "yaml") return stringify(rows);
  return uiTable([
    ["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"],
    ...rows.map((r) => [
      String(r.revision),
      ansic(Date.parse(r.updated)),
      r.status,
      r.chart,
      r.app_version,
      r.description,
    ]),
  ]);
}

/** `helm status` / the summary after install, upgrade and rollback. */
export function statusOutput(release: HelmRelease, format: OutputFormat, showNotes = true): string {
  if (format === "json") return `${JSON.stringify(release)}\n`;
  if (format === "yaml") return stringify(release);
  const lines = [
    `NAME: ${release.name}`,
    `LAST DEPLOYED: ${ansic(Date.parse(release.info.last_deployed))}`,
    `NAMESPACE: ${release.namespace}`,
    `STATUS: ${release.info.status}`,
    `REVISION: ${release.version}`,
    "TEST SUITE: None",
  ];
  if (showNotes && release.info.notes) lines.push("NOTES:", release.info.notes.trimEnd());
  return `${lines.join("\n")}\n`;
}
