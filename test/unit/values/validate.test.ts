import { describe, expect, it } from "vitest";
import {
  checkPreparedValues,
  checkReleaseJump,
  FINDING_CODES,
  parseValues,
  type Finding,
} from "../../../lib/values/index.js";
import { fakeRelease, loadCatalog, releaseOf } from "../support/catalog.js";

const catalog = loadCatalog();
const codes = (findings: readonly Finding[]) => findings.map((f) => f.code);

describe("parseValues refuses what Helm would choke on, with line and column", () => {
  it.each([
    ["a tab indenting a key", "global:\n  image:\n\ttag: x\n", "tab-indentation", 3, 1],
    ["a tab after spaces", "global:\n  image:\n   \ttag: x\n", "tab-indentation", 3, 4],
    ["a tab before a list item", "a:\n  - x\n\t- y\n", "tab-indentation", 3, 1],
    ["a key out of line", "global:\n  image:\n    tag: x\n   strategy: y\n", "bad-indentation", 4, 1],
    ["a duplicate key", "global:\n  image: {}\napplication: {}\nglobal: {}\n", "duplicate-key", 4, 1],
    ["a nested duplicate key", "a:\n  b: 1\n  c: 2\n  b: 3\n", "duplicate-key", 4, 3],
    ["an unclosed flow list", "a: [1, 2\nb: 3\n", "bad-indentation", 2, 1],
    ["an unclosed quote (reported where the input ends)", 'a: "open\n', "yaml-syntax", 2, 1],
    ["two documents", "a: 1\n---\nb: 2\n", "multiple-documents", 2, 1],
    ["a NUL byte", "a: 1\nb: x\u0000y\n", "binary-content", 2, 5],
    ["a replacement character (not UTF-8)", "a: \uFFFD\n", "binary-content", 1, 4],
  ])("%s", (_case, text, code, line, column) => {
    const result = parseValues(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.blockers[0]).toMatchObject({ code, severity: "blocker", line, column });
  });

  it("names every line indented with a tab, not only the first", () => {
    const result = parseValues("a:\n\tb: 1\nc:\n\td: 2\n");
    expect(!result.ok && result.blockers.filter((f) => f.code === "tab-indentation").map((f) => f.line)).toEqual([
      2, 4,
    ]);
  });

  it("accepts tabs inside block scalars and quoted values", () => {
    const result = parseValues('script: |\n  echo\n  \tindented\nquoted: "a\\tb"\ninline: "x\ty"\n');
    expect(result.ok).toBe(true);
  });

  it.each([
    ["nothing", ""],
    ["blank lines", "\n  \n\n"],
    ["only comments", "# helm get values printed nothing\n"],
    ["an empty mapping", "{}\n"],
    ["null", "null\n"],
  ])("calls %s empty and says the cluster may not have been reached", (_case, text) => {
    const result = parseValues(text);
    expect(result).toMatchObject({ ok: false, blockers: [{ code: "empty-values" }] });
    expect(!result.ok && result.blockers[0]?.message).toMatch(/not reached/);
  });

  it.each([
    ["a list", "- a\n- b\n"],
    ["a scalar", "just text\n"],
  ])("refuses %s at the top level", (_case, text) => {
    expect(parseValues(text)).toMatchObject({ ok: false, blockers: [{ code: "root-not-mapping", line: 1 }] });
  });

  it("refuses a file over the size limit before parsing it", () => {
    const text = `a: "${"x".repeat(2_000)}"\n`;
    expect(parseValues(text, { maxBytes: 1_000, maxAliasCount: 100 })).toMatchObject({
      ok: false,
      blockers: [{ code: "too-large" }],
    });
    expect(parseValues("a: «é»\n", { maxBytes: 8, maxAliasCount: 100 }).ok).toBe(false);
    expect(parseValues(text).ok).toBe(true);
  });

  it("refuses an alias bomb quickly, without expanding it", () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const started = performance.now();
    const result = parseValues(levels.join("\n") + "\n");
    expect(result).toMatchObject({ ok: false, blockers: [{ code: "alias-limit" }] });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("allows a few aliases, with a warning, and follows merge keys as Helm does", () => {
    const result = parseValues("base: &base\n  replicas: 2\nserver:\n  <<: *base\n  name: s\n");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(codes(result.warnings)).toContain("aliases-present");
    expect(result.values.data).toEqual({ base: { replicas: 2 }, server: { replicas: 2, name: "s" } });
  });

  it("warns about a key left without a value (the usual sign of under-indented lines)", () => {
    const result = parseValues("global:\n  image:\n  tag: x\n");
    expect(result.ok && result.warnings).toEqual([
      expect.objectContaining({ code: "empty-value", path: "global.image", line: 2, column: 9 }),
    ]);
  });

  it.each(["yes", "off", "N", "0755", "1:30"])("warns that Helm reads plain %s differently", (scalar) => {
    const result = parseValues(`a:\n  b: ${scalar}\n  c: "${scalar}"\n`);
    expect(result.ok && result.warnings).toEqual([
      expect.objectContaining({ code: "yaml11-ambiguous", path: "a.b", line: 2 }),
    ]);
  });

  it.each(["<<: *a\n", "? <<: *a\n", "? {<<: *x}\n"])(
    "answers input the YAML library throws on (%j) as a syntax blocker, never an exception",
    (text) => {
      const result = parseValues(text);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.blockers.map((b) => b.code)).toEqual(["yaml-syntax"]);
    },
  );

  it("keeps the document, its data and its style", () => {
    const result = parseValues("global:\n    image:\n        tag: '2024.12.02'\nlist:\n- a\n");
    expect(result.ok && result.values.data).toEqual({ global: { image: { tag: "2024.12.02" } }, list: ["a"] });
    expect(result.ok && result.values.format).toEqual({ indent: 4, indentSeq: false });
  });

  it("documents every code with a severity", () => {
    for (const [code, { severity, description }] of Object.entries(FINDING_CODES)) {
      expect(code).toMatch(/^[a-z0-9-]+$/);
      expect(["blocker", "warning"]).toContain(severity);
      expect(description.length).toBeGreaterThan(10);
    }
  });
});

describe("checkReleaseJump", () => {
  it.each([
    ["2024.12.02", "2030.01.00", "unknown-target-release"],
    ["v1", "2025.05.00", "unknown-source-release"],
    ["2025.05.00", "2025.05.00", "same-release"],
    ["2025.09.00", "2025.05.00", "downgrade"],
    ["2023.01.00", "2024.07.00", "no-upgrade-path"],
  ])("%s -> %s is blocked as %s", (from, to, code) => {
    expect(checkReleaseJump(catalog, from, to)).toEqual({
      hops: [],
      findings: [expect.objectContaining({ code, severity: "blocker" })],
    });
  });

  it("blocks a jump that needs intermediate releases and names the chain", () => {
    const check = checkReleaseJump(catalog, "2024.07.00", "2025.05.00");
    expect(check.hops).toEqual([]);
    expect(check.findings).toEqual([expect.objectContaining({ code: "unsupported-jump", severity: "blocker" })]);
    expect(check.findings[0]?.message).toContain("2024.07.00 -> 2024.12.02 -> 2025.05.00");
    expect(check.findings[0]?.message).toContain("needs 2024.12 or later");
  });

  it("lets the chain through as a warning when the caller runs it hop by hop", () => {
    const check = checkReleaseJump(catalog, "2024.07.00", "2025.05.00", { allowChain: true });
    expect(check.hops.map((h) => h.tag)).toEqual(["2024.12.02", "2025.05.00"]);
    expect(codes(check.findings)).toEqual(["upgrade-chain"]);
  });

  it("accepts a direct upgrade, warning when the source is not catalogued", () => {
    expect(checkReleaseJump(catalog, "2024.12.02", "2025.05.00")).toEqual({
      hops: [releaseOf(catalog, "2025.05.00")],
      findings: [],
    });
    expect(codes(checkReleaseJump(catalog, "2024.02.00", "2024.07.00").findings)).toEqual(["source-not-in-catalog"]);
  });
});

describe("checkPreparedValues", () => {
  const target = releaseOf(catalog, "2025.05.00");
  const good = [
    "global:",
    "  image:",
    '    tag: "2025.05.00"',
    // The 2025.05.00 page's values block sets it (211-upgrade-20250500.md).
    "  strategy:",
    "    type: Recreate",
    "application:",
    "  cluedin:",
    "    components:",
    "      packages:",
    "      - name: CluedIn.Connector.Http",
    "        version: 4.5.0",
    "",
  ].join("\n");

  it("finds nothing wrong with a consistent file", () => {
    expect(checkPreparedValues(good, target)).toEqual([]);
  });

  it.each([
    ["global tag left behind", good.replace('"2025.05.00"', '"2024.12.02"'), "global-tag-mismatch", 3],
    [
      "global tag missing",
      good.replace('    tag: "2025.05.00"\n', "    pullPolicy: Always\n"),
      "global-tag-mismatch",
      undefined,
    ],
    [
      "a component pinning the old release",
      `${good}  server:\n    image:\n      tag: 2024.12.02-hotfix\n`,
      "component-tag-pinned",
      14,
    ],
    ["a package at the old version", good.replace("version: 4.5.0", "version: 4.0.0"), "package-version-mismatch", 11],
    [
      "a package without a name",
      good.replace("- name: CluedIn.Connector.Http", "- nome: CluedIn.Connector.Http"),
      "invalid-package-entry",
      10,
    ],
    [
      "packages that are not a list",
      good.replace(/packages:[\s\S]*$/, "packages: CluedIn.Connector.Http\n"),
      "unexpected-structure",
      9,
    ],
  ])("blocks %s", (_case, text, code, line) => {
    const findings = checkPreparedValues(text, target);
    expect(findings).toContainEqual(expect.objectContaining({ code, severity: "blocker", ...(line ? { line } : {}) }));
  });

  it("accepts a component tag that is not a CluedIn release (a sidecar's own image)", () => {
    expect(checkPreparedValues(`${good}  sidecar:\n    image:\n      tag: "1.36"\n`, target)).toEqual([]);
  });

  it("warns about customer packages, unknown CluedIn packages, duplicates and upgrade flags", () => {
    const text = `${good}      - name: Contoso.Enricher\n        version: 1.2.0\n      - name: CluedIn.Connector.Unknown\n        version: 1.0.0\n      - name: cluedin.connector.http\n        version: 4.5.0\n  system:\n    upgradeMode: true\n`;
    const findings = checkPreparedValues(text, target);
    expect(codes(findings)).toEqual([
      "customer-package",
      "package-not-in-catalog",
      "duplicate-package",
      "upgrade-flag-in-values",
    ]);
    expect(findings.every((f) => f.severity === "warning")).toBe(true);
    expect(findings[0]?.message).toMatch(/Contoso\.Enricher 1\.2\.0 .*rebuilt against CluedIn 2025\.05\.00/);
  });

  it("blocks a file lacking a key the release needs", () => {
    const release = fakeRelease({
      values: [{ path: "application.feature.enabled", value: true, reason: "new in 2025.05" }],
    });
    expect(codes(checkPreparedValues(good, release))).toEqual(["release-value-mismatch"]);
    expect(checkPreparedValues(`${good}  feature:\n    enabled: true\n`, release)).toEqual([]);
  });

  it("blocks a file without the page's own values", () => {
    const findings = checkPreparedValues(good.replace("type: Recreate", "type: RollingUpdate"), target);
    expect(findings).toEqual([
      expect.objectContaining({ code: "release-value-mismatch", path: "global.strategy.type", line: 5 }),
    ]);
    expect(findings[0]?.message).toContain("211-upgrade-20250500.md");
  });

  it("checks a support update against its release's platform tag and its pins", () => {
    const support = releaseOf(catalog, "2026.01.00-support");
    const pins = support.values.map((v) => v.path);
    const onSupport = ['global:\n  image:\n    tag: "2026.01.00"\n'];
    expect(codes(checkPreparedValues(onSupport.join(""), support))).toEqual(pins.map(() => "release-value-mismatch"));
    expect(codes(checkPreparedValues('global:\n  image:\n    tag: "2026.01.00-support"\n', support))).toContain(
      "global-tag-mismatch",
    );
  });

  it("passes on the text's own syntax blockers", () => {
    expect(codes(checkPreparedValues("a:\n\tb: 1\n", target))).toEqual(["tab-indentation"]);
  });
});
