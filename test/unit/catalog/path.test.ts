import { describe, expect, it } from "vitest";
import { parseReleaseCatalog, planPath, type ReleaseCatalog } from "../../../lib/catalog/index.js";
import { loadCatalog } from "../support/catalog.js";

const catalog = loadCatalog();

describe("planPath over the real catalog", () => {
  it.each([
    ["2024.12.02", "2025.05.00", ["2025.05.00"], true],
    ["2024.12", "2025.05.00", ["2025.05.00"], true],
    ["2024.12.00", "2025.05.01", ["2025.05.01"], true],
    ["2025.05.00", "2025.05.02", ["2025.05.02"], true],
    ["2024.07.00", "2024.12.02", ["2024.12.02"], true],
    // 2025.05.00 needs 2024.12 or later: through the newest release that reaches it.
    ["2024.07.00", "2025.05.00", ["2024.12.02", "2025.05.00"], true],
    ["2024.12.02", "2025.05.02", ["2025.05.01", "2025.05.02"], true],
    ["2025.05.02", "2026.02.00", ["2025.09.00", "2026.01.00", "2026.02.00"], true],
    // 2024.07.02 and 2024.07.03 need 2024.02 or later (their pages); 2024.07.01 still takes 2024.01.
    ["2024.01.00", "2024.07.03", ["2024.07.01", "2024.07.03"], false],
    ["2024.07.00", "2024.07.03", ["2024.07.03"], true],
    // The support update (215-upgrade-20260100-support.md) is reached from 2026.01.00 and leads to 2026.02.00.
    ["2026.01.00", "2026.01.00-support", ["2026.01.00-support"], true],
    ["2025.09.00", "2026.01.00-support", ["2026.01.00", "2026.01.00-support"], true],
    ["2026.01.00-support", "2026.02.00", ["2026.02.00"], true],
    // Recognisable but not catalogued: placed by date.
    ["2024.01.00", "2024.07.00", ["2024.07.00"], false],
    ["2024.03.05", "2024.12.02", ["2024.07.03", "2024.12.02"], false],
    ["2025.05.03", "2025.09.00", ["2025.09.00"], false],
  ])("%s -> %s goes through %j", (from, to, hops, sourceInCatalog) => {
    const result = planPath(catalog, from, to);
    expect(result.ok && result.hops.map((hop) => hop.tag)).toEqual(hops);
    expect(result.ok && result.sourceInCatalog).toBe(sourceInCatalog);
  });

  it.each([
    ["2024.12.02", "2030.01.00", "unknown-target", /not in the release catalog/],
    ["2024.12.02", "latest", "unknown-target", /latest/],
    ["v5", "2025.05.00", "unknown-source", /"v5"/],
    ["2025.05.00", "2025.05.00", "same-release", /already runs/],
    ["2024.12.00", "2024.12", "same-release", /already runs/],
    ["2026.01.00-support", "2026.01.00", "downgrade", /older than the current 2026\.01\.00-support/],
    ["2025.05.02", "2025.05.00", "downgrade", /older than the current 2025\.05\.02/],
    ["2023.06.00", "2024.07.00", "no-path", /needs 2024\.01 or later/],
    ["2023.06.00", "2026.02.00", "no-path", /no upgrade path/],
  ])("%s -> %s fails as %s", (from, to, reason, message) => {
    const result = planPath(catalog, from, to);
    expect(result).toMatchObject({ ok: false, reason });
    expect(!result.ok && result.message).toMatch(message);
  });
});

function catalogOf(rows: [tag: string, minimumSource: string][]): ReleaseCatalog {
  const text = `releases:\n${rows
    .map(
      ([tag, min]) =>
        `  - { tag: "${tag}", kind: feature, source: { page: docs/190-paas-operations/upgrade/x.md, url: "https://x.example" }, imageTag: "${tag}", helm: { upgrade: {} }, chartVersion: 1.0.0, minimumSource: "${min}", dataUpgrade: none, releaseNotesUrl: "https://x.example", expectedDowntimeMinutes: 30 }`,
    )
    .join("\n")}\n`;
  const parsed = parseReleaseCatalog(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

describe("planPath choices", () => {
  it("takes the fewest hops even when a longer path has newer releases", () => {
    const cat = catalogOf([
      ["2024.02.00", "2024.01.00"],
      ["2024.03.00", "2024.01.00"],
      ["2024.04.00", "2024.02.00"],
      ["2024.05.00", "2024.03.00"],
      ["2024.06.00", "2024.05.00"],
    ]);
    // 01 -> 03 -> 05 -> 06 (3 hops) beats 01 -> 02 -> 04 -> ... which cannot reach 06 faster.
    const result = planPath(cat, "2024.01.00", "2024.06.00");
    expect(result.ok && result.hops.map((h) => h.tag)).toEqual(["2024.03.00", "2024.05.00", "2024.06.00"]);
  });

  it("prefers the newest intermediate among equally short paths", () => {
    const cat = catalogOf([
      ["2024.02.00", "2024.01.00"],
      ["2024.02.01", "2024.01.00"],
      ["2024.02.02", "2024.01.00"],
      ["2024.06.00", "2024.02.00"],
    ]);
    const result = planPath(cat, "2024.01.00", "2024.06.00");
    expect(result.ok && result.hops.map((h) => h.tag)).toEqual(["2024.02.02", "2024.06.00"]);
  });

  it("never passes the target or steps backwards", () => {
    const cat = catalogOf([
      ["2024.03.00", "2024.01.00"],
      ["2024.05.00", "2024.03.00"],
      ["2024.09.00", "2024.01.00"],
    ]);
    const result = planPath(cat, "2024.01.00", "2024.05.00");
    expect(result.ok && result.hops.map((h) => h.tag)).toEqual(["2024.03.00", "2024.05.00"]);
  });

  it("answers quickly over a long catalog", () => {
    const rows: [string, string][] = [];
    for (let year = 2000; year < 2040; year++)
      for (let month = 1; month <= 12; month++) {
        const tag = `${year}.${String(month).padStart(2, "0")}.00`;
        rows.push([tag, rows.at(-1)?.[0] ?? "1999.12.00"]);
      }
    const cat = catalogOf(rows);
    const started = performance.now();
    const result = planPath(cat, "1999.12.00", "2039.12.00");
    expect(result.ok && result.hops).toHaveLength(480);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
