/**
 * Helm 3 release Secrets decoded without the helm binary (helm `pkg/storage/driver/secrets.go` and `util.go`):
 * Secret `data.release` = base64(helm's string) where helm's string = base64(gzip(release JSON)).
 */
import { gunzipSync } from "node:zlib";
import { stringify } from "yaml";
import { z } from "zod";
import type { HelmReleaseStatus, HelmRevisionWithValues } from "./types.js";

const helmStatuses = [
  "unknown",
  "deployed",
  "uninstalled",
  "superseded",
  "failed",
  "uninstalling",
  "pending-install",
  "pending-upgrade",
  "pending-rollback",
] as const satisfies readonly HelmReleaseStatus[];

const releaseSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  info: z
    .object({
      status: z.string().optional(),
      description: z.string().optional(),
      last_deployed: z.string().optional(),
      first_deployed: z.string().optional(),
    })
    .optional(),
  chart: z
    .object({
      metadata: z.object({
        name: z.string().optional(),
        version: z.string().optional(),
        appVersion: z.string().optional(),
      }),
    })
    .optional(),
  config: z.record(z.string(), z.unknown()).nullish(),
});

export type HelmReleaseRecord = z.infer<typeof releaseSchema>;

const gzipMagic = [0x1f, 0x8b];

/** Decodes the `data.release` value of a release Secret as the Kubernetes API returns it (still base64). */
export function decodeHelmReleaseData(secretDataRelease: string): HelmReleaseRecord {
  const helmString = Buffer.from(secretDataRelease, "base64").toString("utf8");
  let bytes: Buffer = Buffer.from(helmString, "base64");
  // Helm writes gzip; releases stored before compression are plain JSON (util.go decodeRelease).
  if (bytes[0] === gzipMagic[0] && bytes[1] === gzipMagic[1]) bytes = gunzipSync(bytes);
  return releaseSchema.parse(JSON.parse(bytes.toString("utf8")));
}

export function toHelmStatus(value: string | undefined): HelmReleaseStatus {
  return helmStatuses.find((status) => status === value) ?? "unknown";
}

/** Helm's Go timestamps carry nanoseconds; normalise to ISO 8601 when parseable. */
function isoTimestamp(value: string | undefined): string {
  if (!value) return "";
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** User values as YAML, the way `helm get values -o yaml` would show them (empty config gives `{}`). */
export function userValuesYaml(config: Record<string, unknown> | null | undefined): string {
  return stringify(config ?? {}, { lineWidth: 0 });
}

export function toHelmRevision(release: HelmReleaseRecord, labelStatus?: string): HelmRevisionWithValues {
  return {
    revision: release.version,
    status: toHelmStatus(release.info?.status ?? labelStatus),
    chartVersion: release.chart?.metadata.version ?? "",
    appVersion: release.chart?.metadata.appVersion ?? "",
    description: release.info?.description ?? "",
    updatedAt: isoTimestamp(release.info?.last_deployed ?? release.info?.first_deployed),
    valuesYaml: userValuesYaml(release.config),
  };
}

/** Newest revision first. */
export function sortRevisionsNewestFirst<T extends { revision: number }>(revisions: T[]): T[] {
  return [...revisions].sort((a, b) => b.revision - a.revision);
}
