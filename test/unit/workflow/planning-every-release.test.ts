/**
 * A plan for every catalog release from every release allowed to reach it directly, checked against the release's
 * own page (test/fixtures/cluedin-docs/, parsed by test/unit/support/release-page.ts), not against the catalog:
 * the chart the page names, its packages moved to the page's versions, its kubectl steps shown verbatim.
 */
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import type { HelmRevisionWithValues } from "../../../lib/clients/types.js";
import { compareReleaseTags, type Release } from "../../../lib/catalog/index.js";
import { findClusterProfile, parseClusterProfiles } from "../../../lib/config/index.js";
import { planUpgrade } from "../../../lib/workflow/planning.js";
import { loadCatalog, readRepoFile } from "../support/catalog.js";
import { readReleasePage } from "../support/release-page.js";

const catalog = loadCatalog();
const parsed = parseClusterProfiles(readRepoFile("config/clusters.yaml"));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const profile = findClusterProfile(parsed.value, "demo")!;
const pageOf = (release: Release) => readReleasePage(release.source.page.split("/").at(-1)!);

/** The values a cluster on `source` holds: its page's image tag and packages, as an operator would have set them. */
function valuesOn(source: Release): string {
  const page = pageOf(source);
  const pins: Record<string, unknown> = {};
  for (const leaf of page.valuesBlock.filter((l) => /\.image\.tag$/.test(l.path) && l.path !== "global.image.tag")) {
    const keys = leaf.path.split(".");
    let at = pins;
    for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
    at[keys.at(-1)!] = leaf.text.replace(/^["']|["']$/g, "");
  }
  const base = { global: { image: { tag: source.imageTag } }, application: { cluedin: { components: {} } } };
  const merged = mergeDeep(base, pins) as { application: { cluedin: { components: Record<string, unknown> } } };
  merged.application.cluedin.components.packages = page.packages;
  return stringify(merged);
}

function mergeDeep(a: unknown, b: unknown): unknown {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return b ?? a;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [key, value] of Object.entries(b)) out[key] = mergeDeep(out[key], value);
  return out;
}

const revisionOn = (source: Release): HelmRevisionWithValues => ({
  revision: 7,
  status: "deployed",
  chartVersion: source.chartVersion,
  appVersion: source.chartAppVersion ?? source.tag,
  description: "Upgrade complete",
  updatedAt: "2026-03-02T10:00:00Z",
  valuesYaml: valuesOn(source),
});

/** Every (source, target) pair the catalog allows in one hop: the source at or after the target's minimum. */
const pairs = catalog.releases.flatMap((target) =>
  catalog.releases
    .filter(
      (source) =>
        compareReleaseTags(source.tag, target.tag) < 0 && compareReleaseTags(target.minimumSource, source.tag) <= 0,
    )
    .map((source) => [source.tag, target.tag, source, target] as const),
);

describe("a plan for every catalog release from each allowed source", () => {
  it("covers every release as a target", () => {
    const targets = new Set(pairs.map(([, to]) => to));
    expect(catalog.releases.filter((r) => compareReleaseTags(r.tag, "2024.07.00") > 0).map((r) => r.tag)).toEqual(
      [...targets].filter((t) => t !== "2024.07.00"),
    );
  });

  it.each(pairs)("%s -> %s names the page's chart, packages and steps", (_from, _to, source, target) => {
    const page = pageOf(target);
    const result = planUpgrade({ catalog, profile, source: revisionOn(source), targetRelease: target.tag });
    const plan = result.plan!;
    expect(plan.fromRelease).toBe(source.tag);
    expect(plan.toRelease).toBe(target.tag);
    expect(plan.toChart).toBe(page.chartVersion);
    expect(plan.hops).toHaveLength(1);
    expect(plan.blockers).toEqual([]);

    // Every installed package the target's page lists moves to the page's version; the others are flagged.
    const listed = new Map(page.packages.map((p) => [p.name.toLowerCase(), p.version]));
    const installed = pageOf(source).packages;
    const moved = plan.changes.filter((c) => /components\.packages\[\d+\]\.version$/.test(c.path));
    for (const change of moved) {
      const index = Number(/\[(\d+)\]/.exec(change.path)![1]);
      expect(change.to).toBe(listed.get(installed[index]!.name.toLowerCase()));
    }
    const shouldMove = installed.filter((p) => {
      const want = listed.get(p.name.toLowerCase());
      return want !== undefined && want !== p.version;
    });
    expect(moved).toHaveLength(shouldMove.length);
    expect(plan.packages?.notListed ?? []).toEqual(
      installed.filter((p) => !listed.has(p.name.toLowerCase())).map((p) => p.name),
    );
    expect(plan.packages?.notInstalled).toBe(
      page.packages.filter((p) => !installed.some((i) => i.name.toLowerCase() === p.name.toLowerCase())).length,
    );

    // The page's kubectl steps, verbatim, in the plan's commands (the run adds only --ignore-not-found to deletes).
    const shown = [...(plan.commands?.beforeHelm ?? []), ...(plan.commands?.afterHelm ?? [])].map((s) => s.command);
    expect(shown).toHaveLength(page.kubectl.length);
    page.kubectl.forEach((argv, i) => expect(shown[i]!.startsWith(argv.join(" "))).toBe(true));
    // And the Helm command fetches the page's chart version from the documented repository.
    for (const helm of plan.commands?.helm ?? [])
      expect(helm.command).toContain(
        `cluedin-platform --repo https://cluedin-io.github.io/Charts/ --version ${page.chartVersion} `,
      );
  });
});
