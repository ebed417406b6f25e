/**
 * Which release a cluster runs, read from what configures it: the user values' `global.image.tag` (and
 * `application.cluedin.image.tag`, which wins over it for the server: the chart coalesces them) together with the
 * deployed chart version. Never from the chart's `appVersion` alone: it is short and shared (CluedIn-io/Charts
 * 2.4.1 and 2.4.2 both say `2024.12`, and 2.4.1 is the chart of 2024.12 and of 2024.12.01).
 *
 * A support update keeps its release's `global.image.tag` (CluedIn-io/CluedIn.Documentation
 * docs/190-paas-operations/upgrade/215-upgrade-20260100-support.md): it is recognised by its component tag pins.
 */
import type { Release, ReleaseCatalog } from "./catalog.js";
import { compareReleaseTags, isReleaseTag, sameRelease } from "./release-tag.js";

export type RunningReleaseFindingCode =
  "release-tags-disagree" | "release-chart-mismatch" | "release-from-chart" | "support-pins-partial";

export interface RunningReleaseFinding {
  code: RunningReleaseFindingCode;
  message: string;
}

export interface RunningRelease {
  /** The release to plan from; undefined when neither the values nor the chart identify one. */
  tag?: string;
  /** Its catalog entry, when catalogued. */
  release?: Release;
  findings: RunningReleaseFinding[];
}

export interface RunningReleaseInput {
  /** A scalar of the user values as written (`2024.10` stays `2024.10`), by dotted path; undefined when absent. */
  valueAt: (path: string) => string | undefined;
  /** The deployed revision's chart version. */
  chartVersion: string;
}

const GLOBAL_TAG = "global.image.tag";
const SERVER_TAG = "application.cluedin.image.tag";

const isImagePin = (path: string): boolean => path.endsWith(".image.tag");

/** The support update's component pins, as its page lists them. */
const pinsOf = (release: Release) => release.values.filter((change) => isImagePin(change.path));

export function identifyRunningRelease(catalog: ReleaseCatalog, input: RunningReleaseInput): RunningRelease {
  const findings: RunningReleaseFinding[] = [];
  const globalTag = input.valueAt(GLOBAL_TAG);
  const serverTag = input.valueAt(SERVER_TAG);
  if (globalTag !== undefined && serverTag !== undefined && isReleaseTag(serverTag) && !sameTag(globalTag, serverTag))
    findings.push({
      code: "release-tags-disagree",
      message: `${SERVER_TAG} pins ${serverTag} while ${GLOBAL_TAG} is ${globalTag}: cluedin-server runs ${serverTag}, the rest ${globalTag}`,
    });
  const imageTag = [globalTag, serverTag].find((tag) => tag !== undefined && isReleaseTag(tag));
  if (imageTag === undefined) return fromChart(catalog, input.chartVersion, globalTag, findings);

  const candidates = catalog.releases.filter((r) => sameRelease(r.imageTag, imageTag));
  if (candidates.length === 0) return { tag: imageTag, findings };
  const release = withSupportPins(candidates, input.valueAt, findings);
  if (release.chartVersion !== input.chartVersion)
    findings.push({
      code: "release-chart-mismatch",
      message: `the values say ${release.tag} (chart ${release.chartVersion}), but the deployed chart is ${input.chartVersion}`,
    });
  return { tag: release.tag, release, findings };
}

const sameTag = (a: string, b: string): boolean =>
  isReleaseTag(a) && isReleaseTag(b) ? sameRelease(a, b) : a.trim() === b.trim();

/** The support update whose every pin the values hold, else its release; a partial set of pins is reported. */
function withSupportPins(
  candidates: readonly Release[],
  valueAt: RunningReleaseInput["valueAt"],
  findings: RunningReleaseFinding[],
): Release {
  const base = candidates.find((r) => r.kind !== "support") ?? candidates[0]!;
  for (const support of candidates.filter((r) => r.kind === "support")) {
    const pins = pinsOf(support);
    const held = pins.filter((pin) => valueAt(pin.path) === String(pin.value));
    if (pins.length > 0 && held.length === pins.length) return support;
    if (held.length > 0)
      findings.push({
        code: "support-pins-partial",
        message: `${held.length} of ${support.tag}'s ${pins.length} component pins are set (${support.source.url}): taken as ${base.tag}`,
      });
  }
  return base;
}

/** No release tag in the values: the catalogued releases on this chart, the oldest when several share it. */
function fromChart(
  catalog: ReleaseCatalog,
  chartVersion: string,
  globalTag: string | undefined,
  findings: RunningReleaseFinding[],
): RunningRelease {
  const onChart = catalog.releases
    .filter((r) => r.kind !== "support" && r.chartVersion === chartVersion)
    .sort((a, b) => compareReleaseTags(a.tag, b.tag));
  const release = onChart[0];
  if (!release) return { findings };
  const tagText = globalTag === undefined ? "no global.image.tag" : `global.image.tag "${globalTag}" is not a release`;
  const shared =
    onChart.length > 1 ? ` (shared by ${onChart.map((r) => r.tag).join(", ")}: the oldest is assumed)` : "";
  findings.push({
    code: "release-from-chart",
    message: `${tagText}: the release is taken from chart ${chartVersion} as ${release.tag}${shared}`,
  });
  return { tag: release.tag, release, findings };
}
