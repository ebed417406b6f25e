export {
  carriesSecret,
  collectSecretValues,
  redactDocument,
  REDACTED,
  redactObject,
  redactText,
  redactYamlLines,
  redactYamlText,
  releaseRedactor,
  secretPaths,
  textRedactor,
  type FoundSecret,
} from "./redact.js";
export { isSecretKey, isSecretNameKey } from "./secret-keys.js";
export { LiteralMatcher, MIN_OWN_SECRET_LENGTH, ownSecretValues } from "./literals.js";
