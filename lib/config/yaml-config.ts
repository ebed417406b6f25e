/**
 * Reads a configuration file (YAML text passed in by the caller) through a zod schema, answering with every problem
 * located by its path and line so an operator can fix the file without guessing.
 */
import { isCollection, LineCounter, parseDocument, type Node } from "yaml";
import type { z } from "zod";

export interface ConfigIssue {
  /** Dotted path of the offending value (`clusters[1].timings.pollInterval`); empty for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type ConfigResult<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text;
}

/** One line per issue: `file.yaml:12:5 clusters[0].uiUrl: Invalid URL`. */
export function formatConfigIssues(fileName: string, issues: readonly ConfigIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.line === undefined ? fileName : `${fileName}:${issue.line}:${issue.column ?? 1}`;
      return `${where} ${issue.path === "" ? "" : `${issue.path}: `}${issue.message}`;
    })
    .join("\n");
}

export function parseYamlConfig<S extends z.ZodType>(text: string, schema: S): ConfigResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        path: "",
        message: error.message.split("\n")[0] ?? error.message,
        ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
      })),
    };
  }
  const parsed = schema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => {
      const node = nearestNode(doc.contents, issue.path);
      const offset = node?.range?.[0];
      const position = offset === undefined ? undefined : lineCounter.linePos(offset);
      return {
        path: formatPath(issue.path),
        message: issue.message,
        ...(position ? { line: position.line, column: position.col } : {}),
      };
    }),
  };
}

/** The deepest node that exists along `path`: a missing key is reported where its parent is. */
function nearestNode(root: Node | null, path: readonly PropertyKey[]): Node | undefined {
  let node: Node | undefined = root ?? undefined;
  for (const key of path) {
    if (!isCollection(node)) break;
    const child: unknown = node.get(typeof key === "symbol" ? String(key) : key, true);
    if (!child || typeof child !== "object" || !("range" in child)) break;
    node = child as Node;
  }
  return node;
}
