export {
  carriesSecret,
  collectSecretValues,
  redactDocument,
  REDACTED,
  redactObject,
  redactText,
  redactYamlLines,
  redactYamlText,
  secretPaths,
  textRedactor,
  type FoundSecret,
} from "./redact.js";
export { isSecretKey, isSecretNameKey } from "./secret-keys.js";
