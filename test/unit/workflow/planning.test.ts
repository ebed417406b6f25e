import { describe, expect, it } from "vitest";
import type { HelmRevisionWithValues } from "../../../lib/clients/types.js";
import { findClusterProfile, parseClusterProfiles } from "../../../lib/config/index.js";
import { planUpgrade } from "../../../lib/workflow/planning.js";
import { loadCatalog, readRepoFile } from "../support/catalog.js";

const catalog = loadCatalog();
const parsed = parseClusterProfiles(readRepoFile("config/clusters.yaml"));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const profile = findClusterProfile(parsed.value, "demo")!;

const revision = (valuesYaml: string, chartVersion: string, appVersion: string): HelmRevisionWithValues => ({
  revision: 4,
  status: "deployed",
  chartVersion,
  appVersion,
  description: "Upgrade complete",
  updatedAt: "2026-03-02T10:00:00Z",
  valuesYaml,
});

const plan = (source: HelmRevisionWithValues, targetRelease: string) =>
  planUpgrade({ catalog, profile, source, targetRelease });

describe("planUpgrade reads the running release from the values and the chart, never appVersion alone", () => {
  it("plans 2024.12.02 -> 2025.05.00 from the image tag although appVersion says 2024.12", () => {
    const result = plan(revision('global:\n  image:\n    tag: "2024.12.02"\n', "2.4.2", "2024.12"), "2025.05.00");
    expect(result.plan).toMatchObject({ fromRelease: "2024.12.02", toRelease: "2025.05.00", ready: true });
  });

  it("plans from the support update its pins show, removing them on the way to 2026.02.00", () => {
    const support = catalog.releases.find((r) => r.tag === "2026.01.00-support")!;
    const pins = support.values.map((v) => `${v.path}=${String(v.value)}`);
    const values = [
      "global:",
      "  image:",
      '    tag: "2026.01.00"',
      "  strategy:",
      "    type: Recreate",
      "  containerImages:",
      "    initSql: { image: { tag: 4.7.0-update.3 } }",
      "    initNeo4J: { image: { tag: 4.7.0-update.3 } }",
      "application:",
      "  datasourceProcessing: { image: { tag: 4.7.0-update.118 } }",
      "  datasource: { image: { tag: 4.7.0-update.118 } }",
      "  submitter: { image: { tag: 4.7.0-update.118 } }",
      "  gql: { image: { tag: 4.7.0-update.32 } }",
      "  ui: { image: { tag: 4.7.0-update.98 } }",
      "infrastructure:",
      "  neo4J: { image: { tag: 4.7.0-update.3 } }",
      "",
    ].join("\n");
    expect(pins).toHaveLength(8);
    const result = plan(revision(values, "2.7.0", "2026.01.00"), "2026.02.00");
    expect(result.plan?.fromRelease).toBe("2026.01.00-support");
    expect(result.plan?.warnings).toEqual([]);
    expect(result.plan?.changes.filter((c) => c.kind === "removed").map((c) => c.path)).toHaveLength(8);
    expect(result.ok).toBe(true);
  });

  it("reports an image tag and a chart that disagree", () => {
    const result = plan(revision('global:\n  image:\n    tag: "2024.12.02"\n', "2.4.1", "2024.12"), "2025.05.00");
    expect(result.plan?.warnings).toContainEqual(
      expect.objectContaining({ code: "release-chart-mismatch", severity: "warning" }),
    );
  });

  it("falls back to the deployed chart, saying so, when the values name no release", () => {
    const result = plan(revision("global:\n  strategy:\n    type: Recreate\n", "2.4.2", "2024.12"), "2025.05.00");
    expect(result.plan?.fromRelease).toBe("2024.12.02");
    expect(result.plan?.warnings).toContainEqual(expect.objectContaining({ code: "release-from-chart" }));
  });

  it("refuses to plan from neither a release tag nor a catalogued chart", () => {
    const result = plan(revision("global:\n  strategy:\n    type: Recreate\n", "2.2.0", "2024.04"), "2025.05.00");
    expect(result).toEqual({
      ok: false,
      blockers: [
        expect.objectContaining({ code: "unknown-source-release", message: expect.stringContaining("2.2.0") }),
      ],
    });
  });
});
