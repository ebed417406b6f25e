export {
  blockersOf,
  finding,
  FINDING_CODES,
  warningsOf,
  type Finding,
  type FindingCode,
  type Severity,
} from "./findings.js";
export {
  prepareValues,
  valuesFileName,
  ValuesRoundTripError,
  type Change,
  type PrepareInput,
  type PrepareResult,
} from "./prepare.js";
export {
  checkPreparedValues,
  checkReleaseJump,
  DEFAULT_VALUES_LIMITS,
  isReleasePin,
  parseValues,
  type ParsedValues,
  type ParseValuesResult,
  type ReleaseJumpCheck,
  type ValuesLimits,
} from "./validate.js";
export { detectYamlFormat, stringifyYaml, type YamlFormat } from "./yaml-format.js";
export { formatYamlPath, readValueAt, scalarReader, type YamlPath } from "./yaml-paths.js";
