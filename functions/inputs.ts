/** Request checks more than one route makes; each throws an InputError with the contract's code. */
import { findRelease, type Release, type ReleaseCatalog } from "../lib/catalog/index.js";
import { InputError, PayloadTooLargeError } from "../lib/errors.js";
import { exceededValuesLimit } from "../lib/values/input-limits.js";
import { checkExtraValues } from "../lib/workflow/planning.js";
import { RunIdSchema } from "../lib/workflow/requests.js";
import { parseInput } from "./http.js";

/** An upgrade id from a route parameter; 400 `invalid-id` otherwise. */
export const requireRunId = (value: unknown): string =>
  parseInput(RunIdSchema, value, "invalid-id", "not an upgrade id");

/** The release `tag` names in the catalog; 400 `unknown-release`, listing the known tags, when there is none. */
export function requireRelease(catalog: ReleaseCatalog, tag: string): Release {
  const release = findRelease(catalog, tag);
  if (!release)
    throw new InputError(`${tag} is not in the release catalog`, {
      code: "unknown-release",
      details: { known: catalog.releases.map((r) => r.tag) },
    });
  return release;
}

/**
 * Extra values a caller sent must be usable as they are: 413 with `values-too-large`, `too-many-lines`,
 * `too-many-keys` or `too-complex` over a cap of lib/values/input-limits.ts (checked before parsing), 400 `invalid-values` with the
 * problems otherwise.
 */
export function requireUsableValues(values: string | undefined): void {
  if (values === undefined) return;
  const exceeded = exceededValuesLimit(values);
  if (exceeded)
    throw new PayloadTooLargeError(exceeded.message, { code: exceeded.code, details: { limit: exceeded.limit } });
  const problems = checkExtraValues(values);
  if (problems.length > 0)
    throw new InputError("the extra values cannot be used", { code: "invalid-values", details: problems });
}
