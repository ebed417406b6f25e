/**
 * Redaction: every secret-bearing value is replaced by `«redacted»` before it can reach a plan, a log line, an
 * e-mail or orchestration state. Values trees keep their shape (so a diff of two redacted files still reads), free
 * text keeps its words. Booleans, nulls and empty strings are not secrets and stay.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from "yaml";
import { detectYamlFormat, stringifyYaml } from "../values/yaml-format.js";
import { formatYamlPath, scalarText, type YamlPath } from "../values/yaml-paths.js";
import { LiteralMatcher, ownSecretValues } from "./literals.js";
import { isSecretKey, isSecretNameKey } from "./secret-keys.js";

export const REDACTED = "«redacted»";

/** Shorter known values would blank out ordinary words of a log line. */
const MIN_KNOWN_SECRET_LENGTH = 4;
const SECRET_WORD = String.raw`(?:password|passwd|secret|token|apikey|api_key|accountkey|connectionstring|erlangcookie|licensekey|webhookurl)`;
/**
 * A whole key (a run of [\w.-]) that contains a secret word. The look-behind lets a key start only where a run
 * starts and the look-ahead checks the word once per run: `[\w.-]*word[\w.-]*` alone retried every position of a
 * long run, quadratic or worse, so a 250 KB request body held the event loop for minutes.
 */
const SECRET_NAME = String.raw`(?<![\w.-])(?=[\w.-]*${SECRET_WORD})[\w.-]+`;
/** Secret parameters of connection strings and query strings, wherever they appear. */
const PARAM_NAME = String.raw`[a-z_]*(?:password|passwd|secret|token|apikey|api_key|api-key|accountkey|sharedaccesskey|sharedaccesssignature)|pwd`;
/** Names too common in prose (`exit code=1`) to redact outside a query string. */
const QUERY_PARAM_NAME = String.raw`code|sig|signature|sas|key`;

/**
 * Free-text rules, applied in order; each is idempotent on its own output. Every rule runs in time linear in the
 * text: a match may start only where little is scanned again (the start of a run, a `://`, a separator), and no
 * repeated part can match the same characters two ways. A quadratic rule would let one request body hold the event
 * loop for seconds; test/unit/redaction/linear.test.ts times each rule on the inputs that broke earlier versions.
 */
const TEXT_RULES: { pattern: RegExp; replace: string | ((...groups: string[]) => string) }[] = [
  {
    pattern: /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g,
    replace: REDACTED,
  },
  // A JWT: three dot-separated base64url runs, the first from a word-initial `eyJ`. The look-ahead checks the shape
  // once per run and the lazy prefix finds the `eyJ` in it: `\beyJ[\w-]{5,}\.` alone rescanned a long `eyJa-eyJa-`
  // run from every `eyJ` (quadratic).
  {
    pattern: /(?<![\w-])(?=[\w-]+\.[\w-]{5,}\.)([\w-]*?)\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g,
    replace: `$1${REDACTED}`,
  },
  { pattern: /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{16,}=*/g, replace: `$1$2${REDACTED}` },
  // user:password@host after a `://`: anchored on the `://` (not the scheme), so no run of scheme-like letters is
  // scanned once per position.
  { pattern: /(:\/\/[^\s/:@?#]*:)[^\s/@?#]+@/g, replace: `$1${REDACTED}@` },
  // Connection strings and query strings: ;AccountKey=..., Password="a;b", Pwd={a;b}, ?code=..., &sig=... A braced
  // value stops at the next `{` too: `[^}]*` scanned to the end of a long `;pwd={;pwd={` once per `{` (quadratic);
  // a value with an inner `{` is still redacted by the unquoted alternative.
  {
    pattern: new RegExp(
      String.raw`(^|[?&;,\s"'(])(${PARAM_NAME})(\s*=\s*)("[^"]*"|'[^']*'|\{[^{}]*\}|[^&;\s"'<>,)]+)`,
      "gi",
    ),
    replace: `$1$2$3${REDACTED}`,
  },
  { pattern: new RegExp(String.raw`([?&])(${QUERY_PARAM_NAME})=([^&#\s"'<>]+)`, "gi"), replace: `$1$2=${REDACTED}` },
  // "password": "...", token: ..., rabbitmqPassword=...
  {
    pattern: new RegExp(String.raw`((["']?)${SECRET_NAME}\2\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}\]]+)`, "gi"),
    replace: (match: string, head: string, _quote: string, value: string) =>
      isSecretNameKey(head.replace(/["'\s:=]/g, ""))
        ? match
        : head + (value.startsWith('"') ? `"${REDACTED}"` : value.startsWith("'") ? `'${REDACTED}'` : REDACTED),
  },
];

/**
 * A redactor for free text (log lines, error messages) that also blanks out `known` secret values wherever they
 * appear, e.g. the secrets of the values file an error message may echo.
 */
export function textRedactor(known: readonly string[]): (text: string) => string {
  const matcher = new LiteralMatcher(
    new Set(known.filter((secret) => secret.length >= MIN_KNOWN_SECRET_LENGTH && secret !== REDACTED)),
  );
  return (text: string): string => {
    let result = matcher.replace(text, REDACTED);
    for (const { pattern, replace } of TEXT_RULES)
      result = typeof replace === "string" ? result.replace(pattern, replace) : result.replace(pattern, replace);
    return result;
  };
}

/** Redacts free text by its patterns: signed URLs, connection strings, bearer tokens, `password: ...` pairs. */
export const redactText: (text: string) => string = textRedactor([]);

/** Does this string carry a secret of its own (a signed URL, a connection string with a key, a private key)? */
export const carriesSecret = (text: string): boolean => redactText(text) !== text;

/** Is the leaf at this position a secret? `inSecret`: some key above it is secret-bearing. */
function isSecretLeaf(value: unknown, inSecret: boolean, key: string | undefined): boolean {
  if (typeof value === "string") {
    if (value === "" || value === REDACTED) return false;
    if (inSecret && !(key !== undefined && isSecretNameKey(key))) return true;
    return carriesSecret(value);
  }
  return typeof value === "number" || typeof value === "bigint"
    ? inSecret && !(key !== undefined && isSecretNameKey(key))
    : false;
}

export interface FoundSecret {
  path: string;
  value: string;
}

/** Walks a plain values tree; returns the redacted copy and what was taken out. */
function redactTree(value: unknown): { redacted: unknown; found: FoundSecret[] } {
  const found: FoundSecret[] = [];
  const walk = (node: unknown, path: YamlPath, inSecret: boolean, key: string | undefined): unknown => {
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index], inSecret, key));
    if (node !== null && typeof node === "object") {
      const copy: Record<string, unknown> = {};
      for (const [childKey, child] of Object.entries(node))
        copy[childKey] = walk(child, [...path, childKey], inSecret || isSecretKey(childKey), childKey);
      return copy;
    }
    if (isSecretLeaf(node, inSecret, key)) {
      found.push({ path: formatYamlPath(path), value: String(node) });
      return REDACTED;
    }
    return node;
  };
  return { redacted: walk(value, [], false, undefined), found };
}

/** A copy of a parsed values tree (or any JSON-like value) with every secret replaced. */
export const redactObject = <T>(value: T): T => redactTree(value).redacted as T;

/** The secret values of a tree, for redacting free text that may echo them. */
export const collectSecretValues = (value: unknown): string[] => [
  ...new Set(redactTree(value).found.map((secret) => secret.value)),
];

/**
 * A redactor for free text a release may echo (Helm output, server log lines, cluster messages): the patterns, the
 * secrets the key names reveal, and every value of the release's user values that could be a secret
 * (`ownSecretValues`), whatever its key. `valuesTexts`: the YAML of each revision whose values may be echoed.
 */
export function releaseRedactor(valuesTexts: Iterable<string>): (text: string) => string {
  const known = new Set<string>();
  for (const text of new Set(valuesTexts)) {
    const doc = parseDocument(text, { merge: true, uniqueKeys: false });
    let tree: unknown;
    try {
      tree = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
    } catch {
      tree = undefined;
    }
    // Unreadable YAML still yields its values: whatever follows a key (or a list dash) on each line.
    tree ??= text.split("\n").map((line) => line.replace(/^\s*(?:-\s+)?(?:[^:#]*:\s+)?/, ""));
    for (const value of [...collectSecretValues(tree), ...ownSecretValues(tree)]) known.add(value);
  }
  return textRedactor([...known]);
}

/** Where a tree holds secrets (dotted paths): to refuse user input that would carry them into state. */
export const secretPaths = (value: unknown): string[] => redactTree(value).found.map((secret) => secret.path);

/**
 * A redacted copy of a YAML document: same keys, order, comments (themselves redacted) and anchors. A secret reached
 * through an alias is redacted where its anchor is defined.
 */
export function redactDocument(doc: Document): Document {
  const copy = doc.clone();
  const redactComment = textRedactor(collectSecretValues(copy.toJS({ maxAliasCount: 100 })));
  const redactNode = (node: unknown, inSecret: boolean, key: string | undefined): void => {
    if (isAlias(node)) {
      if (inSecret) redactNode(node.resolve(copy), true, key);
      return;
    }
    if (isScalar(node)) {
      if (isSecretLeaf(node.value, inSecret, key)) {
        node.value = REDACTED;
        delete node.tag;
        if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") node.type = "PLAIN";
      }
      return;
    }
    if (isMap(node))
      for (const pair of node.items) {
        const childKey = scalarText(pair.key) ?? "";
        redactNode(pair.value, inSecret || isSecretKey(childKey), childKey);
      }
    else if (isSeq(node)) for (const item of node.items) redactNode(item, inSecret, key);
  };
  redactNode(copy.contents, false, undefined);
  const redactComments = (node: { comment?: string | null; commentBefore?: string | null }): void => {
    if (node.comment) node.comment = redactComment(node.comment);
    if (node.commentBefore) node.commentBefore = redactComment(node.commentBefore);
  };
  redactComments(copy);
  visit(copy, { Node: (_key, node: Node) => redactComments(node) });
  return copy;
}

/**
 * Redacted YAML text in the same layout, for diffs and display. Text that is not valid YAML is redacted line by
 * line instead: a broken file must not leak either.
 */
export function redactYamlText(text: string): string {
  const doc = parseDocument(text, { merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) return redactYamlLines(text);
  try {
    return stringifyYaml(redactDocument(doc), detectYamlFormat(text));
  } catch {
    return redactYamlLines(text);
  }
}

/**
 * A `key: value` line. The key ends on a non-space and is greedy: a lazy key retried `\s*:` at every position of a
 * long line of spaces (quadratic). The key is the same: everything up to the first colon, trailing spaces dropped.
 */
const KEY_LINE = /^(\s*(?:-\s+)?)(["']?)([^"'#:\s](?:[^"'#:]*[^"'#:\s])?)\2\s*:(?:\s+(.*))?$/;
/** Anchors and tags before a value: `&p`, `!!str`; a property stops at the next `&` or `!`, so it splits one way. */
const NODE_PROPS = /^((?:[&!][^\s&!]*\s*)*)(.*)$/;

/** Line-wise fallback: a secret key's value, and every line nested under it, is replaced. */
export function redactYamlLines(text: string): string {
  let secretColumn = -1;
  return text
    .split("\n")
    .map((line) => {
      const content = line.trimStart();
      const indent = line.length - content.length;
      const nestedUnderSecret =
        secretColumn >= 0 &&
        (content === "" || indent > secretColumn || (indent === secretColumn && content.startsWith("-")));
      if (nestedUnderSecret) {
        if (content === "" || content.startsWith("#")) return redactText(line);
        const nested = KEY_LINE.exec(line);
        if (nested && isSecretNameKey(nested[3] ?? "")) return redactText(line);
        if (nested && !nested[4]) return line;
        if (nested) return `${nested[1]}${nested[2]}${nested[3]}${nested[2]}: ${REDACTED}`;
        return `${line.slice(0, indent)}${content.startsWith("- ") ? "- " : ""}${REDACTED}`;
      }
      secretColumn = -1;
      const match = KEY_LINE.exec(line);
      if (!match || !isSecretKey(match[3] ?? "")) return redactText(line);
      const [, prefix = "", quote = "", key = ""] = match;
      // Whatever follows on this line or on more indented lines belongs to the secret.
      secretColumn = prefix.length;
      const value = (match[4] ?? "").replace(/(^|\s)#.*$/, "").trim();
      const [, props = "", rest = ""] = NODE_PROPS.exec(value) ?? [];
      if (rest === "" || /^[|>]/.test(rest))
        return `${prefix}${quote}${key}${quote}:${value === "" ? "" : ` ${value}`}`;
      return `${prefix}${quote}${key}${quote}: ${props}${REDACTED}`;
    })
    .join("\n");
}
