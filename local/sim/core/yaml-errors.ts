import { parseDocument } from "yaml";
import { isMap, type Values } from "./values.js";

export type ParsedValues = { ok: true; values: Values } | { ok: false; reason: string };

// go-yaml's wording for the faults the `yaml` package detects, so `helm` answers read like the real thing.
const GO_YAML_MESSAGES: Record<string, string> = {
  TAB_AS_INDENT: "found character that cannot start any token",
  BAD_INDENT: "did not find expected key",
  BLOCK_AS_IMPLICIT_KEY: "mapping values are not allowed in this context",
  MULTILINE_IMPLICIT_KEY: "mapping values are not allowed in this context",
  MISSING_CHAR: "found unexpected end of stream",
  UNEXPECTED_TOKEN: "did not find expected node content",
};

/**
 * Parses a values file as Helm does (sigs.k8s.io/yaml then a JSON map) and fails with Helm's message shape:
 * `failed to parse <file>: error converting YAML to JSON: yaml: line N: ...`.
 */
export function parseValuesFile(fileName: string, text: string): ParsedValues {
  const doc = parseDocument(text, { uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0].line ?? 1;
    const message = GO_YAML_MESSAGES[error.code] ?? "did not find expected key";
    return {
      ok: false,
      reason: `failed to parse ${fileName}: error converting YAML to JSON: yaml: line ${line}: ${message}`,
    };
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { ok: true, values: {} };
  if (!isMap(value)) {
    const kind = Array.isArray(value) ? "array" : typeof value === "string" ? "string" : typeof value;
    return {
      ok: false,
      reason: `failed to parse ${fileName}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    };
  }
  return { ok: true, values: value };
}
