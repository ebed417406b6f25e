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
    ["four spaces, indented lists", "global:\n    image:\n        tag: x\nlist:\n    - a\n"],
    ["two spaces, lists at their key's column", "global:\n  image:\n    tag: x\nlist:\n- a\n"],
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
    expect(result.text).toBe('global:\n  image:\n    tag: "2024.12"\n');
    expect(readValueAt(result.text, "global.image.tag")).toBe("2024.12");
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
        line: 8,
        file: "values-dev-2025-05-00.yml",
        message: expect.stringMatching(/Contoso\.CluedIn\.Enricher 1\.4\.2.*rebuilt against CluedIn 2025\.05\.00/),
      }),
    ]);
  });

  it("warns about a CluedIn package the catalog does not cover, leaving its version", () => {
    const result = prepared(
      prepare(withCustomer.replace("2024.12.02", "2025.05.00"), releaseOf(catalog, "2025.05.02"), "2025.05.00"),
    );
    expect(readValueAt(result.text, "application.cluedin.components.packages[1].version")).toBe("4.0.0");
    expect(result.warnings.map((w) => w.code)).toEqual(["customer-package", "package-not-in-catalog"]);
  });

  it("adds the packages the release needs, in the list's quoting style", () => {
    const target = fakeRelease({
      packages: [
        { name: "CluedIn.Connector.Http", version: "4.5.0", addIfMissing: false },
        { name: "CluedIn.Connector.OneLake", version: "4.5.0", addIfMissing: true },
      ],
    });
    const result = prepared(prepare(RUNBOOK_CURRENT, target));
    expect(result.text).toContain('      - name: "CluedIn.Connector.OneLake"\n        version: "4.5.0"\n');
    expect(result.changes.at(-1)).toMatchObject({
      kind: "added",
      path: "application.cluedin.components.packages[3]",
      to: "CluedIn.Connector.OneLake 4.5.0",
    });
  });

  it("creates the package list when there is none", () => {
    const target = fakeRelease({
      packages: [{ name: "CluedIn.Connector.OneLake", version: "4.5.0", addIfMissing: true }],
    });
    const result = prepared(prepare('global:\n  image:\n    tag: "2024.12.02"\n', target));
    expect(readValueAt(result.text, "application.cluedin.components.packages")).toEqual([
      { name: "CluedIn.Connector.OneLake", version: "4.5.0" },
    ]);
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

  it("sets 2024.07.00's data upgrade key", () => {
    const result = prepared(
      prepare("global:\n  image:\n    tag: 2024.01.00\n", releaseOf(catalog, "2024.07.00"), "2024.01.00"),
    );
    expect(readValueAt(result.text, "application.bootstrap.dataUpgrade.toVersion")).toBe("Version430");
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
