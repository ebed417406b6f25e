import { describe, expect, it } from "vitest";
import {
  catalogPackageVersion,
  findRelease,
  modeFor,
  parseReleaseCatalog,
  requiredValues,
} from "../../../lib/catalog/index.js";
import { loadCatalog, releaseOf } from "../support/catalog.js";

const catalog = loadCatalog();

describe("config/releases.yaml", () => {
  // Each row from the release's page (test/fixtures/cluedin-docs/): REFERENCE §7 had neither 2024.07.01-03 nor the
  // 2026.01.00 support update, and its package examples are checked below; docs-drift.test.ts checks every fact.
  it("holds every release page from 2024.07 to 2026.02, oldest first, with charts, sources and data upgrades", () => {
    const rows = catalog.releases.map((r) => [
      r.tag,
      r.kind,
      r.chartVersion,
      r.minimumSource,
      r.dataUpgrade.kind === "none" ? "none" : r.dataUpgrade.toVersion,
      r.packages.length,
    ]);
    expect(rows).toEqual([
      ["2024.07.00", "feature", "2.3.0", "2024.01", "Version430", 13],
      ["2024.07.01", "patch", "2.3.1", "2024.01", "Version430", 13],
      ["2024.07.02", "patch", "2.3.1", "2024.02", "Version430", 13],
      ["2024.07.03", "patch", "2.3.2", "2024.02", "Version430", 13],
      ["2024.12", "feature", "2.4.1", "2024.07", "Version440", 27],
      ["2024.12.01", "patch", "2.4.1", "2024.07", "none", 27],
      ["2024.12.02", "patch", "2.4.2", "2024.07", "none", 27],
      ["2025.05.00", "feature", "2.5.0", "2024.12", "Version450", 30],
      ["2025.05.01", "patch", "2.5.0", "2024.12", "Version450", 30],
      ["2025.05.02", "patch", "2.5.3", "2025.05.00", "none", 30],
      ["2025.09.00", "feature", "2.6.0", "2025.05.02", "Version460", 31],
      ["2026.01.00", "feature", "2.7.0", "2025.09.00", "Version470", 32],
      ["2026.01.00-support", "support", "2.7.0", "2026.01.00", "none", 0],
      ["2026.02.00", "feature", "2.8.0", "2026.01.00", "Version480", 33],
    ]);
  });

  it.each([
    ["2024.12.02", "CluedIn.Connector.AzureDataLake", "4.4.2"],
    ["2025.05.00", "CluedIn.Connector.AzureDataLake", "4.5.0"],
    ["2025.05.02", "CluedIn.Connector.AzureDataLake", "4.5.1"],
    ["2025.09.00", "CluedIn.Connector.AzureDataLake", "4.6.0"],
    ["2026.02.00", "CluedIn.Connector.AzureDataLake", "4.8.0"],
    ["2024.12.02", "CluedIn.Connector.SqlServer", "4.1.2"],
    ["2026.02.00", "CluedIn.Connector.SqlServer", "4.5.3"],
    ["2024.12.02", "CluedIn.PowerApps", "4.4.3"],
    ["2025.05.02", "CluedIn.PowerApps", "4.5.1"],
    ["2024.12.02", "CluedIn.Connector.Http", "4.0.0"],
    ["2025.05.00", "CluedIn.Connector.Http", "4.5.0"],
    ["2024.12.02", "CluedIn.Connector.AzureEventHub", "4.0.1"],
    ["2025.05.00", "CluedIn.Connector.AzureEventHub", "4.5.0"],
    ["2024.12.02", "CluedIn.Connector.Dataverse", "4.4.0"],
    ["2025.05.00", "cluedin.connector.dataverse", "4.5.0"],
  ])("%s ships %s %s", (tag, name, version) => {
    expect(catalogPackageVersion(releaseOf(catalog, tag), name)).toBe(version);
  });

  it("reports no version for a package the release does not list", () => {
    // The 2025.05.00 page no longer lists CluedIn.DataVerse (2024.12.02: 4.2.2), nor 2026.01.00 the CDM vocabulary.
    expect(catalogPackageVersion(releaseOf(catalog, "2024.12.02"), "CluedIn.DataVerse")).toBe("4.2.2");
    expect(catalogPackageVersion(releaseOf(catalog, "2025.05.00"), "CluedIn.DataVerse")).toBeUndefined();
    expect(catalogPackageVersion(releaseOf(catalog, "2026.01.00"), "CluedIn.Vocabularies.CommonDataModel")).toBe(
      undefined,
    );
  });

  it.each([
    ["2024.12.02", "basic"],
    ["2025.05.00", "data-upgrade"],
    ["2024.07.00", "data-upgrade"],
    ["2025.05.02", "basic"],
  ])("upgrading to %s is a %s upgrade", (tag, mode) => {
    expect(modeFor(releaseOf(catalog, tag))).toBe(mode);
  });

  it("turns 2024.07.00's data upgrade into the values key the chart reads, after the page's other keys", () => {
    const values = requiredValues(releaseOf(catalog, "2024.07.00"));
    expect(values).toHaveLength(20);
    expect(values.at(-1)).toEqual(
      expect.objectContaining({ path: "application.bootstrap.dataUpgrade.toVersion", value: "Version430" }),
    );
    expect(values).toContainEqual({
      path: "application.submitter.resources.limits.memory",
      value: "512M",
      reason: "CluedIn's 2024.07.00 upgrade page sets it (204-upgrade-202407.md)",
    });
    expect(requiredValues(releaseOf(catalog, "2025.05.00"))).toEqual([
      expect.objectContaining({ path: "global.strategy.type", value: "Recreate" }),
    ]);
  });

  it("pins the support update's components on 2026.01.00's platform tag and chart", () => {
    const support = releaseOf(catalog, "2026.01.00-support");
    expect(support).toMatchObject({ kind: "support", imageTag: "2026.01.00", chartVersion: "2.7.0" });
    expect(support.values).toContainEqual(
      expect.objectContaining({ path: "application.datasourceProcessing.image.tag", value: "4.7.0-update.118" }),
    );
    expect(support.values).toContainEqual(
      expect.objectContaining({ path: "global.containerImages.initSql.image.tag", value: "4.7.0-update.3" }),
    );
  });

  it("finds 2024.12 by 2024.12.00 and nothing by garbage", () => {
    expect(findRelease(catalog, "2024.12.00")?.tag).toBe("2024.12");
    expect(findRelease(catalog, "2030.01.00")).toBeUndefined();
    expect(findRelease(catalog, "../etc")).toBeUndefined();
  });
});

const minimal = (release: string) => `releases:\n${release}`;
const entry = (fields: Record<string, string>) =>
  "  - " +
  Object.entries({
    tag: '"2025.05.00"',
    chartVersion: "2.5.0",
    minimumSource: '"2024.12"',
    dataUpgrade: "none",
    releaseNotesUrl: "https://documentation.cluedin.net/release-notes",
    expectedDowntimeMinutes: "30",
    kind: "feature",
    source:
      '{ page: docs/190-paas-operations/upgrade/211-upgrade-20250500.md, url: "https://documentation.cluedin.net/paas-operations/upgrade/2025-05-00" }',
    imageTag: '"2025.05.00"',
    helm: "{ upgrade: {} }",
    ...fields,
  })
    .map(([key, value]) => `${key}: ${value}`)
    .join("\n    ") +
  "\n";

describe("parseReleaseCatalog", () => {
  it("accepts a minimal release and fills the defaults", () => {
    const parsed = parseReleaseCatalog(minimal(entry({})));
    expect(parsed.ok && parsed.value.releases[0]).toMatchObject({
      packages: [],
      values: [],
      dataUpgrade: { kind: "none" },
    });
  });

  it.each([
    ["an unquoted tag that reads as a number", { tag: "2024.12" }, "releases[0].tag", 2],
    ["a chart that is not a version", { chartVersion: "latest" }, "releases[0].chartVersion", 3],
    ["a minimum source newer than the release", { minimumSource: '"2025.09.00"' }, "releases[0].minimumSource", 4],
    ["an unknown data upgrade kind", { dataUpgrade: "{ kind: magic }" }, "releases[0].dataUpgrade", 5],
    ["a bad data version", { dataUpgrade: "{ kind: resource, toVersion: v450 }" }, "releases[0].dataUpgrade", 5],
    ["a plain-http notes URL", { releaseNotesUrl: "http://example.com" }, "releases[0].releaseNotesUrl", 6],
    [
      "a non-CluedIn catalog package",
      { packages: "[{ name: Contoso.Thing, version: 1.0.0 }]" },
      "releases[0].packages[0].name",
      12,
    ],
    ["an unknown field", { colour: "blue" }, "releases[0]", 2],
  ])("refuses %s, naming the path and line", (_case, fields, path, line) => {
    const parsed = parseReleaseCatalog(minimal(entry(fields)));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toContainEqual(expect.objectContaining({ path: expect.stringContaining(path) }));
    expect(parsed.issues.find((i) => i.path.startsWith(path))?.line).toBe(line);
  });

  it("refuses the same release twice, 2024.12 and 2024.12.00 included", () => {
    const parsed = parseReleaseCatalog(
      minimal(
        entry({ tag: '"2024.12"', minimumSource: '"2024.07"' }) +
          entry({ tag: '"2024.12.00"', minimumSource: '"2024.07"' }),
      ),
    );
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.issues[0]?.message).toMatch(/same release/);
  });

  it("refuses a package the release would add: pages list packages, they do not require them", () => {
    const parsed = parseReleaseCatalog(
      minimal(entry({ packages: "[{ name: CluedIn.Connector.Http, version: 4.5.0, addIfMissing: true }]" })),
    );
    expect(!parsed.ok && parsed.issues[0]).toMatchObject({ path: "releases[0].packages[0].addIfMissing" });
  });

  it("refuses a -support tag that is not a support update, and the reverse", () => {
    const wrongKind = parseReleaseCatalog(minimal(entry({ tag: '"2025.05.00-support"' })));
    expect(!wrongKind.ok && wrongKind.issues).toContainEqual(expect.objectContaining({ path: "releases[0].kind" }));
    const wrongTag = parseReleaseCatalog(minimal(entry({ kind: "support" })));
    expect(!wrongTag.ok && wrongTag.issues).toContainEqual(expect.objectContaining({ path: "releases[0].kind" }));
  });

  it("refuses a support update without its release, or on another image tag", () => {
    const support = { tag: '"2025.05.00-support"', kind: "support", minimumSource: '"2025.05.00"' };
    const alone = parseReleaseCatalog(minimal(entry(support)));
    expect(!alone.ok && alone.issues[0]?.message).toMatch(/needs its release/);
    const moved = parseReleaseCatalog(minimal(entry({}) + entry({ ...support, imageTag: '"2025.05.01"' })));
    expect(!moved.ok && moved.issues[0]?.message).toMatch(/keeps 2025\.05\.00's image tag and chart/);
  });

  it("refuses an extra values file the loader cannot find, naming it", () => {
    const text = minimal(entry({ helm: "{ upgrade: { extraValuesFiles: [elasticsearch-upgrade.yml, gone.yml] } }" }));
    const parsed = parseReleaseCatalog(text, { valuesFileExists: (name) => name === "elasticsearch-upgrade.yml" });
    expect(parsed).toMatchObject({
      ok: false,
      issues: [
        { path: "releases[0].helm.upgrade.extraValuesFiles[1]", message: "no such file in values-files/: gone.yml" },
      ],
    });
    expect(parseReleaseCatalog(text).ok).toBe(true);
  });

  it("refuses YAML errors with their line", () => {
    const parsed = parseReleaseCatalog("releases:\n  - tag: a\n    tag: b\n");
    expect(parsed).toMatchObject({ ok: false, issues: [{ line: 3 }] });
  });

  it("sorts releases by date whatever the file order", () => {
    const parsed = parseReleaseCatalog(
      minimal(entry({ tag: '"2025.05.02"', minimumSource: '"2025.05.00"' }) + entry({ tag: '"2025.05.00"' })),
    );
    expect(parsed.ok && parsed.value.releases.map((r) => r.tag)).toEqual(["2025.05.00", "2025.05.02"]);
  });
});
