/**
 * The release catalog (`config/releases.yaml`): for each CluedIn release, its Helm chart, the oldest release it can
 * be upgraded from, its data upgrade, the versions of the `CluedIn.*` packages built for it and the values keys it
 * needs. Every fact is from the release's page in CluedIn-io/CluedIn.Documentation
 * (docs/190-paas-operations/upgrade/, named by `source.page`) or its chart's Chart.yaml in CluedIn-io/Charts;
 * test/unit/catalog/docs-drift.test.ts holds the catalog to those pages.
 */
import { z } from "zod";
import { parseYamlConfig, type ConfigResult } from "../config/yaml-config.js";
import { compareReleaseTags, isReleaseTag, isSupportTag, sameRelease } from "./release-tag.js";

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
  /**
   * Always false: a release page lists the packages a release was built with, not packages every installation
   * needs, so preparation never adds one; those not installed are listed in the plan. Kept for the schema's shape.
   */
  addIfMissing: z.literal(false, "packages are never added: the plan lists those not installed").default(false),
});
export type CatalogPackage = z.output<typeof packageSchema>;

const valuesChangeSchema = z.strictObject({
  path: valuesPath,
  value: z.union([z.string(), z.number(), z.boolean()]),
  /** Defaults to the release page, which is where every such value comes from. */
  reason: z.string().min(1).optional(),
});
export interface ReleaseValuesChange {
  path: string;
  value: string | number | boolean;
  reason: string;
}

/** Where a catalog entry's facts come from: the release's page in CluedIn-io/CluedIn.Documentation. */
const sourcePageSchema = z.strictObject({
  /** Path in CluedIn-io/CluedIn.Documentation, e.g. `docs/190-paas-operations/upgrade/209-upgrade-20241201.md`. */
  page: z
    .string()
    .regex(
      /^docs\/190-paas-operations\/upgrade\/[A-Za-z0-9_./-]+\.md$/,
      "expected a page under docs/190-paas-operations/upgrade/",
    ),
  /** The page's published address (its `permalink`). */
  url: z.url({ protocol: /^https$/ }),
});
export type SourcePage = z.output<typeof sourcePageSchema>;

const goDuration = z.string().regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, "expected a duration like 10m0s");
const extraValuesFile = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*\.ya?ml$/, "expected a file name under config/values-files/");

/** One `helm upgrade` as the release page writes it; the user values file is always the first `--values`. */
const helmCommandSchema = z.strictObject({
  reuseValues: z.boolean().default(false),
  /** Files of config/values-files/ passed as further `--values`, in order (2024.12: elasticsearch-upgrade.yml). */
  extraValuesFiles: z.array(extraValuesFile).default([]),
  /** The page's `--set` flags, verbatim. */
  set: z.record(valuesPath, z.boolean()).default({}),
  wait: z.boolean().default(true),
  /** Absent when the page gives none: the profile's helmTimeout applies. */
  timeout: goDuration.optional(),
});
export type HelmCommandSpec = z.output<typeof helmCommandSchema>;

/**
 * A release-specific command run through Run Command before or after the Helm upgrade (2024.07.03, 2024.12.01,
 * 2024.12.02: delete the node-exporter DaemonSet and the monitoring CRDs, then re-apply the CRDs server-side).
 */
const procedureStepSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "expected a kebab-case step id"),
  /** What the page says the step is for. */
  description: z.string().min(1),
  /** The command, verbatim from the page, as an argument vector: `kubectl` only. */
  argv: z
    .array(z.string().min(1))
    .min(2)
    .refine((argv) => argv[0] === "kubectl", "procedure steps run kubectl"),
  /** A delete of something already gone counts as done (a re-run after a partial attempt). */
  ignoreNotFound: z.boolean().default(false),
});
export type ProcedureStep = z.output<typeof procedureStepSchema>;

/** A step the page marks optional or conditional: shown in the plan when it applies, never run by the tool. */
const advisorySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "expected a kebab-case advisory id"),
  text: z.string().min(1),
  /** Shown only when the user values hold one of these dotted paths; always shown when empty. */
  whenValuesHave: z.array(valuesPath).default([]),
});
export type Advisory = z.output<typeof advisorySchema>;

export type ReleaseKind = "feature" | "patch" | "support";

const releaseSchema = z
  .strictObject({
    tag: releaseTag,
    /** feature (a new month), patch (`.01`, `.02`), support (component tag pins on a release's own chart). */
    kind: z.enum(["feature", "patch", "support"]),
    source: sourcePageSchema,
    chartVersion: semver,
    /** The chart's `appVersion` (CluedIn-io/Charts `Chart.yaml`): `2024.12` for every 2.4.x chart, never a full tag. */
    chartAppVersion: z.string().min(1).optional(),
    /** `global.image.tag` the page sets; a support update keeps its base release's tag and pins components instead. */
    imageTag: z.string().min(1),
    /** The oldest release this one can be upgraded from directly. */
    minimumSource: releaseTag,
    dataUpgrade: dataUpgradeSchema,
    packages: z.array(packageSchema).default([]),
    values: z.array(valuesChangeSchema).default([]),
    helm: z.strictObject({
      upgrade: helmCommandSchema,
      /** Data upgrades: the command that takes CluedIn out of upgrade mode. */
      finalize: helmCommandSchema.optional(),
    }),
    procedure: z
      .strictObject({
        beforeHelm: z.array(procedureStepSchema).default([]),
        afterHelm: z.array(procedureStepSchema).default([]),
      })
      .default({ beforeHelm: [], afterHelm: [] }),
    advisories: z.array(advisorySchema).default([]),
    releaseNotesUrl: z.url({ protocol: /^https$/ }),
    expectedDowntimeMinutes: z.number().int().positive(),
  })
  .superRefine((release, ctx) => {
    if (release.dataUpgrade.kind === "resource" && !release.helm.finalize)
      ctx.addIssue({
        code: "custom",
        path: ["helm", "finalize"],
        message: "a DataUpgrade resource needs a finalize command",
      });
    if (compareReleaseTags(release.minimumSource, release.tag) >= 0)
      ctx.addIssue({ code: "custom", path: ["minimumSource"], message: "must be older than the release itself" });
    const names = release.packages.map((p) => p.name.toLowerCase());
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: "custom", path: ["packages", i, "name"], message: "package listed twice" });
    });
    if ((release.kind === "support") !== isSupportTag(release.tag))
      ctx.addIssue({
        code: "custom",
        path: ["kind"],
        message: "a support update, and only one, has a tag ending in -support",
      });
  })
  .transform((release) => ({
    ...release,
    values: release.values.map((change): ReleaseValuesChange => ({
      ...change,
      reason: change.reason ?? pageReason(release),
    })),
  }));
export type Release = z.output<typeof releaseSchema>;

const pageReason = (release: { tag: string; source: SourcePage }): string =>
  `CluedIn's ${release.tag} upgrade page sets it (${release.source.page.split("/").pop() ?? release.source.page})`;
export type UpgradeMode = "basic" | "data-upgrade";

export interface CatalogOptions {
  /** Does config/values-files/ hold this file? Given by the loader, which reads the disk; unchecked when absent. */
  valuesFileExists?: (name: string) => boolean;
}

const catalogSchema = (options: CatalogOptions) =>
  z
    .strictObject({ releases: z.array(releaseSchema).min(1) })
    .superRefine((file, ctx) => {
      file.releases.forEach((release, i) => {
        const twin = file.releases.findIndex((other) => sameRelease(other.tag, release.tag));
        if (twin !== i)
          ctx.addIssue({ code: "custom", path: ["releases", i, "tag"], message: `same release as releases[${twin}]` });
        if (release.kind === "support") checkSupportBase(file.releases, i, ctx);
        for (const command of ["upgrade", "finalize"] as const)
          release.helm[command]?.extraValuesFiles.forEach((name, j) => {
            if (options.valuesFileExists && !options.valuesFileExists(name))
              ctx.addIssue({
                code: "custom",
                path: ["releases", i, "helm", command, "extraValuesFiles", j],
                message: `no such file in ${VALUES_FILES_DIR}/: ${name}`,
              });
          });
      });
    })
    .transform((file) => ({
      releases: [...file.releases].sort((a, b) => compareReleaseTags(a.tag, b.tag)),
    }));

/** A support update runs on its release's chart with its release's platform tag (only components are pinned). */
function checkSupportBase(releases: readonly Release[], index: number, ctx: z.RefinementCtx): void {
  const support = releases[index]!;
  const base = releases.find((r) => r.kind !== "support" && sameRelease(r.tag, support.tag.replace(/-support$/, "")));
  if (!base)
    ctx.addIssue({ code: "custom", path: ["releases", index, "tag"], message: "a support update needs its release" });
  else if (base.imageTag !== support.imageTag || base.chartVersion !== support.chartVersion)
    ctx.addIssue({
      code: "custom",
      path: ["releases", index],
      message: `a support update keeps ${base.tag}'s image tag and chart`,
    });
}

/** Releases oldest first. */
export type ReleaseCatalog = z.output<ReturnType<typeof catalogSchema>>;

/** The directory, beside the catalog file, that holds the files `extraValuesFiles` names. */
export const VALUES_FILES_DIR = "values-files";

export const parseReleaseCatalog = (yamlText: string, options: CatalogOptions = {}): ConfigResult<ReleaseCatalog> =>
  parseYamlConfig(yamlText, catalogSchema(options));

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
      reason: `the chart runs the ${release.dataUpgrade.toVersion} data upgrade of ${release.tag} (${release.source.url})`,
    });
  return changes;
}

/** The release's advisories that apply to these values: those naming no path, and those whose paths the values hold. */
export const applicableAdvisories = (release: Release, valuesHave: (path: string) => boolean): Advisory[] =>
  release.advisories.filter((a) => a.whenValuesHave.length === 0 || a.whenValuesHave.some(valuesHave));
