/**
 * Upgrade paths through the catalog. A release can be reached directly from any release at or after its
 * `minimumSource`; otherwise the path goes through intermediate releases, fewest hops first, newest intermediates
 * preferred (they carry the most fixes).
 *
 * A source release that is not in the catalog but reads as a release tag (an older `2024.01.00`, an unlisted patch
 * such as `2025.05.03`) is placed by its date and treated like any other source: the catalog only needs to know the
 * targets. Callers report it as a warning, since nothing confirms such a release ever existed.
 */
import { findRelease, type Release, type ReleaseCatalog } from "./catalog.js";
import { compareReleaseTags, isReleaseTag } from "./release-tag.js";

export type PathFailure = "unknown-source" | "unknown-target" | "same-release" | "downgrade" | "no-path";

export type PathResult =
  { ok: true; hops: Release[]; sourceInCatalog: boolean } | { ok: false; reason: PathFailure; message: string };

const reaches = (fromTag: string, to: Release): boolean => compareReleaseTags(to.minimumSource, fromTag) <= 0;

export function planPath(catalog: ReleaseCatalog, from: string, to: string): PathResult {
  const target = findRelease(catalog, to);
  if (!target) {
    const known = catalog.releases.map((r) => r.tag).join(", ");
    return { ok: false, reason: "unknown-target", message: `${to} is not in the release catalog (known: ${known})` };
  }
  if (!isReleaseTag(from))
    return { ok: false, reason: "unknown-source", message: `the current release "${from}" is not a release tag` };
  const order = compareReleaseTags(from, target.tag);
  if (order === 0) return { ok: false, reason: "same-release", message: `the cluster already runs ${target.tag}` };
  if (order > 0)
    return {
      ok: false,
      reason: "downgrade",
      message: `${target.tag} is older than the current ${from}: downgrades are not supported (restore instead)`,
    };
  const sourceInCatalog = findRelease(catalog, from) !== undefined;
  if (reaches(from, target)) return { ok: true, hops: [target], sourceInCatalog };

  // Between the source and the target, oldest first; hopsLeft[i] = fewest hops from candidates[i] to the target.
  const candidates = catalog.releases.filter(
    (r) => compareReleaseTags(r.tag, from) > 0 && compareReleaseTags(r.tag, target.tag) < 0,
  );
  const hopsLeft = candidates.map(() => Infinity);
  for (let i = candidates.length - 1; i >= 0; i--) {
    const here = candidates[i]!;
    if (reaches(here.tag, target)) hopsLeft[i] = 1;
    for (let j = i + 1; j < candidates.length; j++)
      if (reaches(here.tag, candidates[j]!)) hopsLeft[i] = Math.min(hopsLeft[i]!, hopsLeft[j]! + 1);
  }

  const hops: Release[] = [];
  let position = from;
  let left = Math.min(...candidates.map((c, i) => (reaches(from, c) ? hopsLeft[i]! : Infinity)));
  if (!Number.isFinite(left))
    return {
      ok: false,
      reason: "no-path",
      message: `no upgrade path from ${from} to ${target.tag}: ${target.tag} needs ${target.minimumSource} or later and no catalogued release bridges the gap`,
    };
  while (left > 0) {
    const here = position;
    const remaining = left;
    // Newest first: among equally short paths, the newest intermediate wins.
    const index = candidates.findLastIndex(
      (c, i) => compareReleaseTags(c.tag, here) > 0 && reaches(here, c) && hopsLeft[i] === remaining,
    );
    const next = candidates[index]!;
    hops.push(next);
    position = next.tag;
    left -= 1;
  }
  hops.push(target);
  return { ok: true, hops, sourceInCatalog };
}
