/**
 * CluedIn release tags are dates, `{year}.{month}[.{update}]` (CluedIn "Versioning and release schedule"):
 * `2024.12` is the first December 2024 release and compares equal to `2024.12.00`, below `2024.12.01`.
 */
export interface ReleaseTag {
  year: number;
  month: number;
  update: number;
}

const TAG = /^(\d{4})\.(\d{2})(?:\.(\d{2,3}))?$/;

export function parseReleaseTag(text: string): ReleaseTag | undefined {
  const match = TAG.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, update] = match;
  const tag = { year: Number(year), month: Number(month), update: update === undefined ? 0 : Number(update) };
  return tag.month >= 1 && tag.month <= 12 ? tag : undefined;
}

export const isReleaseTag = (text: string): boolean => parseReleaseTag(text) !== undefined;

/** Negative when `a` is older than `b`, zero when they name the same release, positive when newer. */
export function compareReleaseTags(a: string, b: string): number {
  const left = parseReleaseTag(a);
  const right = parseReleaseTag(b);
  if (!left || !right) throw new RangeError(`not a release tag: ${left ? b : a}`);
  return left.year - right.year || left.month - right.month || left.update - right.update;
}

export const sameRelease = (a: string, b: string): boolean => compareReleaseTags(a, b) === 0;

/** `2025.05.00` -> `2025-05-00`, the form the runbook uses in file names. */
export const releaseTagSlug = (tag: string): string => tag.trim().replaceAll(".", "-");
