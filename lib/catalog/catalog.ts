/**
 * The release catalog (`config/releases.yaml`): for each CluedIn release, its Helm chart, the oldest release it can
 * be upgraded from, its data upgrade, the versions of the `CluedIn.*` packages built for it and the values keys it
 * needs. Facts from CluedIn's upgrade documentation and CluedIn-io/Charts (REFERENCE §7).
 */
import { z } from "zod";
import { parseYamlConfig, type ConfigResult } from "../config/yaml-config.js";
import { compareReleaseTags, isReleaseTag, sameRelease } from "./release-tag.js";

const releaseTag = z.string().refine(isReleaseTag, "expected a release tag such as 2025.05.00");
const semver = z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, "expected a version such as 2.5.0");
const valuesPath = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "expected a dotted path such as a.b.c");
const dataUpgradeVersion = z.string().regex(/^Version\d+$/, "expected a data version such as Version450");

/**
 * `none`; `resource`: the operator applies a `DataUpgrade` resource (`spec.toVersion`) while CluedIn is in upgrade
 * mode; `values`: the chart starts the data upgrade itself from a values key (2024.07.00), still in upgrade mode.
 */
const dataUpgradeSchema = z.union([
  z.literal("none").transform(() => ({ kind: "none" as const })),
  z.strictObject({ kind: z.literal("resource"), toVersion: dataUpgradeVersion }),
  z.strictObject({ kind: z.literal("values"), path: valuesPath, toVersion: dataUpgradeVersion }),
]);
export type DataUpgrade = z.output<typeof dataUpgradeSchema>;

const packageSchema = z.strictObject({
  name: z.string().regex(/^CluedIn\.[A-Za-z0-9_.-]+$/, "catalog packages are CluedIn.* packages"),
  version: semver,
  /** The release needs this package installed: preparation adds it when the values file lacks it. */
  addIfMissing: z.boolean().default(false),
});
export type CatalogPackage = z.output<typeof packageSchema>;

const valuesChangeSchema = z.strictObject({
  path: valuesPath,
  value: z.union([z.string(), z.number(), z.boolean()]),
  reason: z.string().min(1),
});
export type ReleaseValuesChange = z.output<typeof valuesChangeSchema>;

const releaseSchema = z
  .strictObject({
    tag: releaseTag,
    chartVersion: semver,
    /** The oldest release this one can be upgraded from directly. */
    minimumSource: releaseTag,
    dataUpgrade: dataUpgradeSchema,
    packages: z.array(packageSchema).default([]),
    values: z.array(valuesChangeSchema).default([]),
    releaseNotesUrl: z.url({ protocol: /^https$/ }),
    expectedDowntimeMinutes: z.number().int().positive(),
  })
  .superRefine((release, ctx) => {
    if (compareReleaseTags(release.minimumSource, release.tag) >= 0)
      ctx.addIssue({ code: "custom", path: ["minimumSource"], message: "must be older than the release itself" });
    const names = release.packages.map((p) => p.name.toLowerCase());
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: "custom", path: ["packages", i, "name"], message: "package listed twice" });
    });
  });
export type Release = z.output<typeof releaseSchema>;
export type UpgradeMode = "basic" | "data-upgrade";

const catalogSchema = z
  .strictObject({ releases: z.array(releaseSchema).min(1) })
  .superRefine((file, ctx) => {
    file.releases.forEach((release, i) => {
      const twin = file.releases.findIndex((other) => sameRelease(other.tag, release.tag));
      if (twin !== i)
        ctx.addIssue({ code: "custom", path: ["releases", i, "tag"], message: `same release as releases[${twin}]` });
    });
  })
  .transform((file) => ({
    releases: [...file.releases].sort((a, b) => compareReleaseTags(a.tag, b.tag)),
  }));

/** Releases oldest first. */
export type ReleaseCatalog = z.output<typeof catalogSchema>;

export const parseReleaseCatalog = (yamlText: string): ConfigResult<ReleaseCatalog> =>
  parseYamlConfig(yamlText, catalogSchema);

/** The catalog entry for `tag`; `2024.12.00` finds `2024.12`. */
export function findRelease(catalog: ReleaseCatalog, tag: string): Release | undefined {
  if (!isReleaseTag(tag)) return undefined;
  return catalog.releases.find((release) => sameRelease(release.tag, tag));
}

export const modeFor = (release: Release): UpgradeMode =>
  release.dataUpgrade.kind === "none" ? "basic" : "data-upgrade";

export const chartVersionOf = (release: Release): string => release.chartVersion;

/** The version of a `CluedIn.*` package built for `release`; NuGet ids compare case-insensitively. */
export function catalogPackageVersion(release: Release, packageName: string): string | undefined {
  const wanted = packageName.toLowerCase();
  return release.packages.find((p) => p.name.toLowerCase() === wanted)?.version;
}

/** Values keys the release needs, the data-upgrade key included when the chart reads it from values. */
export function requiredValues(release: Release): ReleaseValuesChange[] {
  const changes = [...release.values];
  if (release.dataUpgrade.kind === "values")
    changes.push({
      path: release.dataUpgrade.path,
      value: release.dataUpgrade.toVersion,
      reason: `the chart runs the ${release.dataUpgrade.toVersion} data upgrade of ${release.tag}`,
    });
  return changes;
}
