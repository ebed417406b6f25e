import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { prepareValues, readValueAt, type PrepareResult } from "../../../lib/values/index.js";
import { fakeRelease, loadCatalog, releaseOf } from "../support/catalog.js";

const catalog = loadCatalog();

/** The runbook's current values, as `helm get values` printed them (trailing spaces included). */
const RUNBOOK_CURRENT = [
  "global: ",
  "  image: ",
  '    tag: "2024.12.02" ',
  "  strategy: ",
  "    type: Recreate ",
  "",
  "application: ",
  "  cluedin: ",
  "    image: ",
  '      tag: "2024.12.02" ',
  "    components: ",
  "      packages: ",
  '      - name: "CluedIn.Connector.AzureEventHub" ',
  '        version: "4.0.1" ',
  '      - name: "CluedIn.Connector.Dataverse" ',
  '        version: "4.4.0" ',
  '      - name: "CluedIn.Connector.Http" ',
  '        version: "4.0.0" ',
  "",
].join("\n");

/** The runbook's expected file for 2025.05.00 ("your YAML file should now look like this"). */
const RUNBOOK_EXPECTED = [
  "global:",
  "  image:",
  '    tag: "2025.05.00"',
  "  strategy:",
  "    type: Recreate",
  "",
  "application:",
  "  cluedin:",
  "    components:",
  "      packages:",
  '      - name: "CluedIn.Connector.AzureEventHub"',
  '        version: "4.5.0"',
  '      - name: "CluedIn.Connector.Dataverse"',
  '        version: "4.5.0"',
  '      - name: "CluedIn.Connector.Http"',
  '        version: "4.5.0"',
  "",
].join("\n");

function prepared(result: PrepareResult) {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.blockers)}`);
  return result;
}

const prepare = (valuesText: string, target = releaseOf(catalog, "2025.05.00"), sourceRelease = "2024.12.02") =>
  prepareValues({ valuesText, sourceRelease, target, environment: "dev" });

describe("prepareValues: the runbook's example, 2024.12.02 -> 2025.05.00", () => {
  const result = prepared(prepare(RUNBOOK_CURRENT));

  it("produces the runbook's expected file", () => {
    expect(result.text).toBe(RUNBOOK_EXPECTED);
    expect(parse(result.text)).toEqual(parse(RUNBOOK_EXPECTED));
  });

  it("names it values-dev-2025-05-00.yml", () => {
    expect(result.fileName).toBe("values-dev-2025-05-00.yml");
  });

  it("reports every change it made", () => {
    expect(result.changes.map(({ kind, path, from, to }) => ({ kind, path, from, to }))).toEqual([
      { kind: "set", path: "global.image.tag", from: "2024.12.02", to: "2025.05.00" },
      { kind: "removed", path: "application.cluedin.image.tag", from: "2024.12.02", to: undefined },
      { kind: "set", path: "application.cluedin.components.packages[0].version", from: "4.0.1", to: "4.5.0" },
      { kind: "set", path: "application.cluedin.components.packages[1].version", from: "4.4.0", to: "4.5.0" },
      { kind: "set", path: "application.cluedin.components.packages[2].version", from: "4.0.0", to: "4.5.0" },
    ]);
    expect(result.changes[2]?.reason).toContain("CluedIn.Connector.AzureEventHub");
    expect(result.warnings).toEqual([]);
  });

  it("is idempotent: preparing the result again changes nothing", () => {
    const again = prepared(prepare(result.text, releaseOf(catalog, "2025.05.00"), "2025.05.00"));
    expect(again.text).toBe(result.text);
    expect(again.changes).toEqual([]);
  });
});

describe("prepareValues keeps the file as its author wrote it", () => {
  it("keeps comments, key order and quoting", () => {
    const text = [
      "# Contoso production values",
      "global:",
      "  image:",
      "    tag: '2024.12.02' # set by the upgrade",
      "  # keep pods from overlapping",
      "  strategy:",
      "    type: Recreate",
      "zeta: last",
      "alpha: first",
      "application:",
      "  cluedin:",
      "    components:",
      "      packages:",
      "      - name: CluedIn.Connector.Http # REST export",
      "        version: 4.0.0",
      "",
    ].join("\n");
    const result = prepared(prepare(text));
    expect(result.text).toContain("# Contoso production values");
    expect(result.text).toContain("tag: '2025.05.00' # set by the upgrade");
    expect(result.text).toContain("  # keep pods from overlapping\n  strategy:");
    expect(result.text).toContain("- name: CluedIn.Connector.Http # REST export\n        version: 4.5.0");
    expect(result.text.indexOf("zeta")).toBeLessThan(result.text.indexOf("alpha"));
  });

  it.each([
    [
      "four spaces, indented lists",
      "global:\n    image:\n        tag: x\n    strategy:\n        type: Recreate\nlist:\n    - a\n",
    ],
    [
      "two spaces, lists at their key's column",
      "global:\n  image:\n    tag: x\n  strategy:\n    type: Recreate\nlist:\n- a\n",
    ],
  ])("keeps %s", (_case, text) => {
    const result = prepared(prepare(text.replace("tag: x", 'tag: "2024.12.02"')));
    expect(result.text).toBe(text.replace("tag: x", 'tag: "2025.05.00"'));
  });
});

describe("prepareValues reads what Windows tools write", () => {
  it("accepts CRLF line ends and a byte-order mark, and writes LF", () => {
    const windows = "\uFEFF" + RUNBOOK_CURRENT.replaceAll("\n", "\r\n");
    expect(prepared(prepare(windows)).text).toBe(RUNBOOK_EXPECTED);
  });
});

describe("prepareValues sets the platform tag", () => {
  it.each([
    ["without global", "application:\n  cluedin: {}\n"],
    ["without global.image", "global:\n  strategy:\n    type: Recreate\n"],
    ["with an empty image", "global:\n  image:\n"],
    ["with global.image.tag unset", "global:\n  image:\n    pullPolicy: Always\n"],
  ])("creating the path %s", (_case, text) => {
    const result = prepared(prepare(text));
    expect(readValueAt(result.text, "global.image.tag")).toBe("2025.05.00");
    expect(result.changes[0]).toMatchObject({ kind: "added", path: "global.image.tag", to: "2025.05.00" });
  });

  it("quotes a tag that would otherwise read as a number", () => {
    const result = prepared(
      prepare("global:\n  image:\n    tag: 2024.07.00\n", releaseOf(catalog, "2024.12"), "2024.07.00"),
    );
    // The 2024.12 page also sets application.cluedin.image.tag to 2024.12 (unquoted there): both are quoted here.
    expect(result.text).toMatch(/^global:\n {2}image:\n {4}tag: "2024\.12"\n/);
    expect(result.text).toContain('  cluedin:\n    image:\n      tag: "2024.12"\n');
    expect(readValueAt(result.text, "global.image.tag")).toBe("2024.12");
    expect(readValueAt(result.text, "application.cluedin.image.tag")).toBe("2024.12");
  });

  it("reads an unquoted numeric tag as written", () => {
    const result = prepared(
      prepare("global:\n  image:\n    tag: 2024.10\n", releaseOf(catalog, "2024.12.02"), "2024.10"),
    );
    expect(result.changes[0]).toMatchObject({ from: "2024.10", to: "2024.12.02" });
  });
});

describe("prepareValues removes stale component tags", () => {
  const text = [
    "global:",
    "  image:",
    '    tag: "2024.12.02"',
    "application:",
    "  cluedin:",
    "    image:",
    '      tag: "2024.12.02"',
    "  ui:",
    "    image:",
    "      repository: cluedin/ui",
    "      tag: 2024.12.01-hotfix2",
    "  gql:",
    "    image:",
    '      tag: "2025.05.00"',
    "  extraContainers:",
    "  - name: exporter",
    "    image:",
    "      tag: 2024.12.02",
    "infrastructure:",
    "  mssql:",
    "    image:",
    "      tag: 2019-CU27-ubuntu-20.04",
    "  sidecar:",
    "    image:",
    '      tag: "1.36"',
    "",
  ].join("\n");
  const result = prepared(prepare(text));

  it.each([
    "application.cluedin.image.tag",
    "application.ui.image.tag",
    "application.gql.image.tag",
    "application.extraContainers[0].image.tag",
  ])("removes %s and reports it", (path) => {
    expect(readValueAt(result.text, path)).toBeUndefined();
    expect(result.changes).toContainEqual(expect.objectContaining({ kind: "removed", path }));
  });

  it("drops an emptied image block but keeps one with other keys", () => {
    expect(readValueAt(result.text, "application.cluedin")).toEqual({});
    expect(readValueAt(result.text, "application.ui.image")).toEqual({ repository: "cluedin/ui" });
  });

  it("leaves third-party images alone", () => {
    expect(readValueAt(result.text, "infrastructure.mssql.image.tag")).toBe("2019-CU27-ubuntu-20.04");
    expect(readValueAt(result.text, "infrastructure.sidecar.image.tag")).toBe("1.36");
  });
});

describe("prepareValues and packages", () => {
  const withCustomer = [
    "global:",
    "  image:",
    "    tag: 2024.12.02",
    "application:",
    "  cluedin:",
    "    components:",
    "      packages:",
    "      - name: Contoso.CluedIn.Enricher",
    "        version: 1.4.2",
    "      - name: CluedIn.Connector.Http",
    "        version: 4.0.0",
    "",
  ].join("\n");

  it("keeps customer packages as they are and warns that they must be rebuilt", () => {
    const result = prepared(prepare(withCustomer));
    expect(readValueAt(result.text, "application.cluedin.components.packages")).toEqual([
      { name: "Contoso.CluedIn.Enricher", version: "1.4.2" },
      { name: "CluedIn.Connector.Http", version: "4.5.0" },
    ]);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: "customer-package",
        // Line 8 of the current file; the prepared file gains the page's global.strategy.type above it.
        line: 10,
        file: "values-dev-2025-05-00.yml",
        message: expect.stringMatching(/Contoso\.CluedIn\.Enricher 1\.4\.2.*rebuilt against CluedIn 2025\.05\.00/),
      }),
    ]);
  });

  it("warns about an installed CluedIn package the release page does not list, leaving its version", () => {
    // The 2025.05.02 page (213-upgrade-20250502.md) no longer lists CluedIn.DataVerse (2024.12.02's page: 4.2.2).
    const text = withCustomer
      .replace("2024.12.02", "2025.05.00")
      .replace("CluedIn.Connector.Http", "CluedIn.DataVerse");
    const result = prepared(prepare(text, releaseOf(catalog, "2025.05.02"), "2025.05.00"));
    expect(readValueAt(result.text, "application.cluedin.components.packages[1].version")).toBe("4.0.0");
    expect(result.warnings.map((w) => w.code)).toEqual(["customer-package", "package-not-in-catalog"]);
    expect(result.warnings[1]?.message).toBe(
      "CluedIn.DataVerse 4.0.0 is installed, but CluedIn's 2025.05.02 upgrade page does not list it (https://documentation.cluedin.net/paas-operations/upgrade/2025-05-02): its version is left as is; check it is still supported",
    );
    expect(result.packages).toEqual({
      updated: 0,
      unchanged: 0,
      notListed: ["CluedIn.DataVerse"],
      notInstalled: expect.any(Array),
    });
  });

  it("moves installed packages to the page's versions and never adds the page's others", () => {
    const result = prepared(prepare(RUNBOOK_CURRENT));
    expect(readValueAt(result.text, "application.cluedin.components.packages")).toHaveLength(3);
    expect(result.packages.updated).toBe(3);
    expect(result.packages.unchanged).toBe(0);
    expect(result.packages.notListed).toEqual([]);
    // The 2025.05.00 page lists 30 packages; the runbook's file installs 3 of them.
    expect(result.packages.notInstalled).toHaveLength(27);
    expect(result.packages.notInstalled).toContain("CluedIn.Connector.FabricOpenMirroring");
    expect(result.packages.notInstalled).not.toContain("CluedIn.Connector.Http");
    expect(result.changes.filter((c) => c.kind === "added")).toEqual([]);
  });

  it("creates no package list when there is none", () => {
    const result = prepared(prepare('global:\n  image:\n    tag: "2024.12.02"\n'));
    expect(readValueAt(result.text, "application.cluedin.components.packages")).toBeUndefined();
    expect(result.packages).toMatchObject({ updated: 0, unchanged: 0, notListed: [] });
    expect(result.packages.notInstalled).toHaveLength(30);
  });

  it("counts packages already at the page's version as unchanged", () => {
    const first = prepared(prepare(RUNBOOK_CURRENT));
    const again = prepared(prepare(first.text, releaseOf(catalog, "2025.05.00"), "2025.05.00"));
    expect(again.packages).toMatchObject({ updated: 0, unchanged: 3 });
  });
});

describe("prepareValues and release-specific keys", () => {
  it("applies the release's keys", () => {
    const target = fakeRelease({
      values: [
        { path: "application.features.newSearch", value: true, reason: "2025.05 enables the new search" },
        { path: "global.strategy.type", value: "Recreate", reason: "pods must not overlap" },
      ],
    });
    const result = prepared(
      prepare('global:\n  image:\n    tag: "2024.12.02"\n  strategy:\n    type: RollingUpdate\n', target),
    );
    expect(readValueAt(result.text, "application.features.newSearch")).toBe(true);
    expect(readValueAt(result.text, "global.strategy.type")).toBe("Recreate");
    expect(result.changes).toContainEqual(
      expect.objectContaining({ kind: "set", path: "global.strategy.type", from: "RollingUpdate", to: "Recreate" }),
    );
  });

  it("sets 2024.07.00's data upgrade key and the page's other keys, citing the page", () => {
    const result = prepared(
      prepare("global:\n  image:\n    tag: 2024.01.00\n", releaseOf(catalog, "2024.07.00"), "2024.01.00"),
    );
    expect(readValueAt(result.text, "application.bootstrap.dataUpgrade.toVersion")).toBe("Version430");
    expect(readValueAt(result.text, "application.datasourceProcessing.replicas")).toBe(2);
    expect(readValueAt(result.text, "infrastructure.cert-manager.cainjector.resources.requests.memory")).toBe("128Mi");
    expect(result.changes).toContainEqual({
      kind: "added",
      path: "application.submitter.resources.limits.memory",
      to: "512M",
      reason: "CluedIn's 2024.07.00 upgrade page sets it (204-upgrade-202407.md)",
    });
    // The page's <your-license-key> placeholder is an advisory, never a value.
    expect(readValueAt(result.text, "application.monitoring")).toBeUndefined();
  });

  it("keeps and sets 2024.12.01's own application.cluedin.image.tag instead of removing it as stale", () => {
    const text = 'global:\n  image:\n    tag: "2024.12"\napplication:\n  cluedin:\n    image:\n      tag: "2024.12"\n';
    const result = prepared(prepare(text, releaseOf(catalog, "2024.12.01"), "2024.12"));
    expect(readValueAt(result.text, "application.cluedin.image.tag")).toBe("2024.12.01");
    expect(result.changes).toContainEqual(
      expect.objectContaining({
        kind: "set",
        path: "application.cluedin.image.tag",
        from: "2024.12",
        to: "2024.12.01",
      }),
    );
    expect(result.changes.filter((c) => c.kind === "removed")).toEqual([]);
  });
});

describe("prepareValues and the 2026.01.00 support update", () => {
  const onRelease =
    'global:\n  image:\n    tag: "2026.01.00"\napplication:\n  ui:\n    image:\n      repository: cluedin/ui\n';

  it("pins the page's component tags and keeps global.image.tag at 2026.01.00", () => {
    const result = prepared(prepare(onRelease, releaseOf(catalog, "2026.01.00-support"), "2026.01.00"));
    expect(result.fileName).toBe("values-dev-2026-01-00-support.yml");
    expect(readValueAt(result.text, "global.image.tag")).toBe("2026.01.00");
    expect(readValueAt(result.text, "application.ui.image")).toEqual({
      repository: "cluedin/ui",
      tag: "4.7.0-update.98",
    });
    expect(readValueAt(result.text, "global.containerImages.initNeo4J.image.tag")).toBe("4.7.0-update.3");
    expect(result.changes.filter((c) => c.kind !== "removed")).toHaveLength(8);
  });

  it("removes the support pins when leaving it for 2026.02.00", () => {
    const support = releaseOf(catalog, "2026.01.00-support");
    const pinned = prepared(prepare(onRelease, support, "2026.01.00")).text;
    const result = prepared(
      prepareValues({
        valuesText: pinned,
        sourceRelease: support.tag,
        source: support,
        target: releaseOf(catalog, "2026.02.00"),
        environment: "dev",
      }),
    );
    expect(readValueAt(result.text, "application.ui.image")).toEqual({ repository: "cluedin/ui" });
    expect(readValueAt(result.text, "application.datasource")).toEqual({});
    expect(result.changes.filter((c) => c.kind === "removed")).toHaveLength(8);
    expect(result.changes).toContainEqual(
      expect.objectContaining({
        path: "application.gql.image.tag",
        from: "4.7.0-update.32",
        reason: expect.stringContaining("2026.01.00-support pinned it"),
      }),
    );
  });
});

describe("prepareValues leaves the upgrade flags to the command line", () => {
  it("does not touch application.system and warns about each flag the file sets", () => {
    const text = `${RUNBOOK_CURRENT}  system:\n    upgradeMode: true\n    runNugetFullRestore: false\n    other: kept\n`;
    const result = prepared(prepare(text));
    expect(readValueAt(result.text, "application.system")).toEqual({
      upgradeMode: true,
      runNugetFullRestore: false,
      other: "kept",
    });
    expect(result.warnings.map((w) => [w.code, w.path])).toEqual([
      ["upgrade-flag-in-values", "application.system.upgradeMode"],
      ["upgrade-flag-in-values", "application.system.runNugetFullRestore"],
    ]);
    expect(result.warnings[0]?.message).toBe(
      "application.system.upgradeMode: true is in the file; the 2025.05.00 commands override it (--set application.system.upgradeMode=true, then --set application.system.upgradeMode=false)",
    );
  });

  it("says a basic upgrade overrides a stale upgradeMode, and which flags the page's command leaves to the file", () => {
    const text = `${RUNBOOK_CURRENT}  system:\n    upgradeMode: true\n    runNugetFullRestore: true\n`;
    const result = prepared(prepare(text, releaseOf(catalog, "2024.12.02"), "2024.12.01"));
    expect(result.warnings.map((w) => w.message)).toEqual([
      "application.system.upgradeMode: true is in the file; the basic upgrade to 2024.12.02 overrides it with --set application.system.upgradeMode=false",
      "application.system.runNugetFullRestore: true is in the file; 2024.12.02's page sets no runNugetFullRestore on its command, so the file's value applies",
    ]);
    expect(result.warnings.every((w) => w.severity === "warning")).toBe(true);
  });
});

describe("prepareValues refuses", () => {
  it("a file with tabs, naming the current file, line and column", () => {
    const result = prepare("global:\n  image:\n\t tag: x\n");
    expect(result).toEqual({
      ok: false,
      blockers: [
        expect.objectContaining({ code: "tab-indentation", line: 3, column: 1, file: "values-dev-2024-12-02.yml" }),
      ],
      warnings: [],
    });
  });

  it.each([
    ["global that is a single value", 'global: "2024.12.02"\n', "global"],
    ["global.image that is a list", "global:\n  image:\n  - a\n", "global.image"],
    ["global.image.tag that is a mapping", "global:\n  image:\n    tag:\n      value: x\n", "global.image.tag"],
    [
      "packages that are a mapping",
      "application:\n  cluedin:\n    components:\n      packages:\n        http: 4.0.0\n",
      "application.cluedin.components.packages",
    ],
  ])("%s", (_case, text, path) => {
    const result = prepare(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.blockers).toContainEqual(
      expect.objectContaining({ code: "unexpected-structure", path }),
    );
  });

  it("an empty file, with the runbook's hint", () => {
    const result = prepare("");
    expect(!result.ok && result.blockers[0]?.message).toMatch(/cluster was not reached/);
  });
});
