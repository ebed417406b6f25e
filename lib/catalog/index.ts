export {
  applicableAdvisories,
  catalogPackageVersion,
  chartVersionOf,
  findRelease,
  modeFor,
  parseReleaseCatalog,
  requiredValues,
  VALUES_FILES_DIR,
  type Advisory,
  type CatalogOptions,
  type CatalogPackage,
  type DataUpgrade,
  type HelmCommandSpec,
  type ProcedureStep,
  type SourcePage,
  type Release,
  type ReleaseCatalog,
  type ReleaseValuesChange,
  type UpgradeMode,
} from "./catalog.js";
export { planPath, type PathFailure, type PathResult } from "./path.js";
export {
  identifyRunningRelease,
  type RunningRelease,
  type RunningReleaseFinding,
  type RunningReleaseFindingCode,
  type RunningReleaseInput,
} from "./running.js";
export {
  compareReleaseTags,
  isReleaseTag,
  isSupportTag,
  parseReleaseTag,
  RELEASE_TAG_PATTERN,
  releaseTagSlug,
  sameRelease,
  type ReleaseTag,
} from "./release-tag.js";
