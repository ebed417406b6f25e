/**
 * Paths into values documents: `application.cluedin.image.tag` as written in findings, `["application", ...]` as
 * the yaml document API takes them, and the line and column where a node starts.
 */
import { isMap, isScalar, isSeq, parseDocument, type LineCounter } from "yaml";

export type YamlPath = readonly (string | number)[];

/** `a.b[0].c` -> `["a", "b", 0, "c"]`, the inverse of `formatYamlPath`; keys in values files never contain dots. */
export function parseDottedPath(dotted: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const [, key, index] of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    path.push(index === undefined ? key! : Number(index));
  return path;
}

/** `["a", "b", 0, "c"]` -> `a.b[0].c`. */
export function formatYamlPath(path: YamlPath): string {
  let text = "";
  for (const key of path) text += typeof key === "number" ? `[${key}]` : text === "" ? key : `.${key}`;
  return text;
}

export function nodeLocation(
  node: { range?: [number, number, number] | null } | null | undefined,
  lineCounter: LineCounter,
): { line?: number; column?: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return {};
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * A scalar as text the way it is written: `2024.10` stays `2024.10` (the number would print `2024.1`), so a
 * release tag someone forgot to quote still reads correctly.
 */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const value: unknown = node.value;
  if (typeof value === "string") return value;
  if (typeof value === "number")
    return typeof node.source === "string" && node.source !== "" ? node.source : String(value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  return undefined;
}

/**
 * Visits every node of the tree in document order with its key path. Aliases are not followed: every anchored node
 * is visited once, where it is defined.
 */
export function walkNodes(root: unknown, visit: (node: unknown, path: YamlPath) => void, path: YamlPath = []): void {
  visit(root, path);
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = scalarText(pair.key) ?? String(pair.key);
      walkNodes(pair.value, visit, [...path, key]);
    }
  } else if (isSeq(root)) {
    root.items.forEach((item, index) => walkNodes(item, visit, [...path, index]));
  }
}

/** The value at `path` as plain data; undefined when missing or when the text is not valid YAML. */
export function readValueAt(text: string, path: string | YamlPath): unknown {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  for (const key of typeof path === "string" ? parseDottedPath(path) : path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/**
 * The scalars of a values file by dotted path, as written (`tag: 2024.10` reads `2024.10`): what
 * `identifyRunningRelease` reads the image tags and component pins from. Nothing for text that is not YAML.
 */
export function scalarReader(text: string): (path: string) => string | undefined {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) return () => undefined;
  return (path) => scalarText(doc.getIn(parseDottedPath(path), true));
}
