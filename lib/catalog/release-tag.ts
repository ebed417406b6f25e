/**
 * CluedIn release tags are dates, `{year}.{month}[.{update}]` (CluedIn "Versioning and release schedule"):
 * `2024.12` is the first December 2024 release and compares equal to `2024.12.00`, below `2024.12.01`.
 *
 * A support update has no tag of its own: CluedIn's page "2026.01.00 Support" (permalink
 * `/paas-operations/upgrade/2026-01-00-support`, CluedIn-io/CluedIn.Documentation
 * docs/190-paas-operations/upgrade/215-upgrade-20260100-support.md) pins component images on 2026.01.00's chart and
 * keeps `global.image.tag` at 2026.01.00. This app names it after that permalink, `2026.01.00-support`: it orders
 * after its release and before the next update or release (`2026.01.01`, `2026.02.00`).
 */
export interface ReleaseTag {
  year: number;
  month: number;
  update: number;
  /** The release's support update (`-support`). */
  support: boolean;
}

/** The tag grammar, also used by request schemas so the API and the catalog accept the same tags. */
export const RELEASE_TAG_PATTERN = /^(\d{4})\.(\d{2})(?:\.(\d{2,3}))?(-support)?$/;

export function parseReleaseTag(text: string): ReleaseTag | undefined {
  const match = RELEASE_TAG_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, update, support] = match;
  const tag = {
    year: Number(year),
    month: Number(month),
    update: update === undefined ? 0 : Number(update),
    support: support !== undefined,
  };
  return tag.month >= 1 && tag.month <= 12 ? tag : undefined;
}

export const isReleaseTag = (text: string): boolean => parseReleaseTag(text) !== undefined;

export const isSupportTag = (text: string): boolean => parseReleaseTag(text)?.support === true;

/** Negative when `a` is older than `b`, zero when they name the same release, positive when newer. */
export function compareReleaseTags(a: string, b: string): number {
  const left = parseReleaseTag(a);
  const right = parseReleaseTag(b);
  if (!left || !right) throw new RangeError(`not a release tag: ${left ? b : a}`);
  return (
    left.year - right.year ||
    left.month - right.month ||
    left.update - right.update ||
    Number(left.support) - Number(right.support)
  );
}

export const sameRelease = (a: string, b: string): boolean => compareReleaseTags(a, b) === 0;

/** `2025.05.00` -> `2025-05-00`, the form the runbook uses in file names; `2026.01.00-support` -> `2026-01-00-support`. */
export const releaseTagSlug = (tag: string): string => tag.trim().replaceAll(".", "-");
