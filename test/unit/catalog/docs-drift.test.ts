/**
 * config/releases.yaml against CluedIn's own pages (test/fixtures/cluedin-docs/, copied verbatim from
 * CluedIn-io/CluedIn.Documentation; see the README there) and charts (test/fixtures/cluedin-charts/, from
 * CluedIn-io/Charts). The pages are parsed, never restated: a fact edited in the catalog, or a page refreshed from a
 * newer docs commit, fails here entry by entry.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sameRelease, type HelmCommandSpec, type Release } from "../../../lib/catalog/index.js";
import { loadCatalog } from "../support/catalog.js";
import { DOCS_FIXTURES, readReleasePage, type PageHelmCommand, type ReleasePage } from "../support/release-page.js";

const catalog = loadCatalog();
const PAGE_DIR = "docs/190-paas-operations/upgrade/";
const SITE = "https://documentation.cluedin.net";
const DATA_UPGRADE_KEY = "application.bootstrap.dataUpgrade.toVersion";
const isPlaceholder = (text: string): boolean => /^<[^>]+>$/.test(text);

const pageFiles = readdirSync(DOCS_FIXTURES)
  .filter((file) => /^2\d\d-upgrade-.*\.md$/.test(file))
  .sort();
const pageOf = (release: Release): ReleasePage => readReleasePage(release.source.page.slice(PAGE_DIR.length));
const fixture = (file: string): string => readFileSync(new URL(file, DOCS_FIXTURES), "utf8");

/** A catalog command in the page's terms, so a difference reads as a flag. */
function asPage(command: HelmCommandSpec, chartVersion: string): PageHelmCommand {
  return {
    chartVersion,
    reuseValues: command.reuseValues,
    values: ["${CustomValues}", ...command.extraValuesFiles],
    set: Object.fromEntries(Object.entries(command.set).map(([key, value]) => [key, String(value)])),
    wait: command.wait,
    ...(command.timeout === undefined ? {} : { timeout: command.timeout }),
  };
}

describe("every release page 2024.07-2026.02 is a catalog entry and every entry a page", () => {
  it("pairs pages and entries one to one", () => {
    expect(catalog.releases.map((r) => r.source.page).sort()).toEqual(pageFiles.map((file) => PAGE_DIR + file));
  });
});

describe.each(catalog.releases.map((release) => [release.tag, release] as const))("%s", (_tag, release) => {
  const page = pageOf(release);
  const leaf = (path: string) => page.valuesBlock.find((v) => v.path === path);

  it("is the page's release, at the page's address", () => {
    const title = page.title.replace(/ Support$/, "-support");
    expect(sameRelease(release.tag, title)).toBe(true);
    expect(release.kind === "support").toBe(page.title.endsWith(" Support"));
    expect(release.source.url).toBe(SITE + page.permalink);
  });

  it("has the page's chart, on every helm command too", () => {
    expect(release.chartVersion).toBe(page.chartVersion);
    for (const command of page.helm) expect(command.chartVersion).toBe(page.chartVersion);
  });

  it("has the page's minimum source release", () => {
    expect(release.minimumSource).toBe(page.minimumSource);
  });

  it("has the page's image tag (a support update: its release's)", () => {
    const tag = leaf("global.image.tag")?.text;
    if (release.kind !== "support") expect(release.imageTag).toBe(tag);
    else {
      expect(tag).toBeUndefined();
      const base = catalog.releases.find((r) => r.kind !== "support" && sameRelease(r.tag, release.tag.slice(0, -8)));
      expect(release.imageTag).toBe(base?.imageTag);
    }
  });

  it("has the page's data upgrade", () => {
    const fromValues = leaf(DATA_UPGRADE_KEY)?.text;
    const expected = fromValues
      ? { kind: "values", path: DATA_UPGRADE_KEY, toVersion: fromValues }
      : page.dataUpgradeResource
        ? { kind: "resource", toVersion: page.dataUpgradeResource }
        : { kind: "none" };
    expect(release.dataUpgrade).toEqual(expected);
  });

  it("lists the page's packages, names and versions verbatim, in order", () => {
    expect(release.packages.map(({ name, version }) => ({ name, version }))).toEqual(page.packages);
    expect(release.packages).toHaveLength(page.packages.length);
  });

  it("sets the page's other values keys, as written", () => {
    const pageValues = page.valuesBlock
      .filter((v) => v.path !== "global.image.tag" && v.path !== DATA_UPGRADE_KEY && !isPlaceholder(v.text))
      .map((v) => ({ path: v.path, text: v.text, type: v.path.endsWith(".image.tag") ? "string" : v.type }));
    const catalogValues = release.values.map((v) => ({ path: v.path, text: String(v.value), type: typeof v.value }));
    expect(catalogValues).toEqual(pageValues);
  });

  it("turns each placeholder of the page into an advisory naming it", () => {
    for (const placeholder of page.valuesBlock.filter((v) => isPlaceholder(v.text)))
      expect(release.advisories.map((a) => a.text)).toContainEqual(
        expect.stringMatching(new RegExp(`${placeholder.path.replaceAll(".", "\\.")} to ${placeholder.text}`)),
      );
  });

  it("runs the page's helm commands: upgrade, then the finalize of a data upgrade", () => {
    const commands = [release.helm.upgrade, ...(release.helm.finalize ? [release.helm.finalize] : [])];
    expect(commands.map((command) => asPage(command, release.chartVersion))).toEqual(page.helm);
  });

  it("runs the page's kubectl steps before Helm, argv verbatim, deletes tolerating not found", () => {
    expect(release.procedure.beforeHelm.map((step) => step.argv)).toEqual(page.kubectl);
    expect(release.procedure.afterHelm).toEqual([]);
    for (const step of release.procedure.beforeHelm) expect(step.ignoreNotFound).toBe(step.argv[1] === "delete");
  });
});

describe("facts from the other pages", () => {
  /** `| 2024.12 | 4.4.0 | [View release notes](https://...) |` rows of the release overview. */
  const notes = [
    ...fixture("170-release-notes.md").matchAll(/^\| ([\d.]+) \|[^|]*\| \[View release notes\]\((\S+)\) \|$/gm),
  ]
    .map(([, version, url]) => ({ version: version!, url: url! }))
    .filter((row) => /^\d{4}\.\d{2}/.test(row.version));

  it.each(catalog.releases.map((r) => [r.tag, r] as const))("%s links its release notes", (_tag, release) => {
    const base = release.tag.replace(/-support$/, "");
    // Patches the overview does not list (2024.07.01-03) and the support update link their release's notes.
    const row =
      notes.find((r) => sameRelease(r.version, base)) ?? notes.find((r) => sameRelease(r.version, base.slice(0, 7)));
    expect(release.releaseNotesUrl).toBe(row?.url);
  });

  it("announces the guide's downtime, longer by the 2024.12 page's data upgrade time when there is one", () => {
    const guide = fixture("030-perform-for-the-upgrade.md");
    const basic = Number(/typically results in \d+–(\d+) minutes of downtime/.exec(guide)?.[1]);
    const log = /HTTP POST \/api\/upgradeto\/Version440 responded 200 in ([\d.]+) ms/.exec(
      fixture("208-upgrade-202412.md"),
    );
    const dataUpgrade = Math.round(Number(log?.[1]) / 60_000);
    expect([basic, dataUpgrade]).toEqual([30, 51]);
    for (const release of catalog.releases)
      expect([release.tag, release.expectedDowntimeMinutes]).toEqual([
        release.tag,
        release.dataUpgrade.kind === "none" ? basic : basic + dataUpgrade,
      ]);
  });
});

describe("chartAppVersion against CluedIn-io/Charts", () => {
  const CHARTS = new URL("../../fixtures/cluedin-charts/", import.meta.url);
  const charts = new Set(readdirSync(CHARTS));
  const appVersionOf = (chart: string): string =>
    String((parse(readFileSync(new URL(`${chart}/Chart.yaml`, CHARTS), "utf8")) as { appVersion: unknown }).appVersion);

  it("holds the Chart.yaml of 2.3.0 to 2.6.0", () => {
    expect([...charts].sort()).toEqual([
      "2.3.0",
      "2.3.1",
      "2.3.2",
      "2.4.0",
      "2.4.1",
      "2.4.2",
      "2.5.0",
      "2.5.1",
      "2.5.2",
      "2.5.3",
      "2.6.0",
    ]);
    expect(appVersionOf("2.4.1")).toBe("2024.12");
    expect(appVersionOf("2.6.0")).toBe("2025.09.00");
  });

  it.each(catalog.releases.map((r) => [r.tag, r] as const))("%s has its chart's appVersion", (_tag, release) => {
    // Charts 2.7.0 and 2.8.0 are not in the mirror: their entries leave chartAppVersion out, and must not once they are.
    if (charts.has(release.chartVersion)) expect(release.chartAppVersion).toBe(appVersionOf(release.chartVersion));
    else expect(release.chartAppVersion).toBeUndefined();
  });
});
