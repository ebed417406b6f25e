export {
  catalogPackageVersion,
  chartVersionOf,
  findRelease,
  modeFor,
  parseReleaseCatalog,
  requiredValues,
  type CatalogPackage,
  type DataUpgrade,
  type Release,
  type ReleaseCatalog,
  type ReleaseValuesChange,
  type UpgradeMode,
} from "./catalog.js";
export { planPath, type PathFailure, type PathResult } from "./path.js";
export {
  compareReleaseTags,
  isReleaseTag,
  parseReleaseTag,
  releaseTagSlug,
  sameRelease,
  type ReleaseTag,
} from "./release-tag.js";
