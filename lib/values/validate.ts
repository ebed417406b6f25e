/**
 * The checks a careful engineer makes by eye on a values file (runbook: "use spaces, not tabs", "if it appears
 * empty you are not connected"), made by code with line and column; then the release checks (is the jump
 * supported?) and the consistency of prepared values with the catalog.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type ErrorCode,
} from "yaml";
import {
  catalogPackageVersion,
  modeFor,
  requiredValues,
  type Release,
  type ReleaseCatalog,
} from "../catalog/catalog.js";
import { planPath } from "../catalog/path.js";
import { isReleaseTag, sameRelease } from "../catalog/release-tag.js";
import { finding, type Finding, type FindingCode } from "./findings.js";
import { detectYamlFormat, type YamlFormat } from "./yaml-format.js";
import { formatYamlPath, nodeLocation, parseDottedPath, scalarText, walkNodes, type YamlPath } from "./yaml-paths.js";

export interface ValuesLimits {
  maxBytes: number;
  /** Passed to the yaml package's alias expansion guard: a few legitimate aliases pass, a billion laughs does not. */
  maxAliasCount: number;
  /** Nesting levels of mappings and sequences; real values files stay near ten (default 64). */
  maxDepth?: number;
}

export const DEFAULT_VALUES_LIMITS: ValuesLimits = { maxBytes: 1024 * 1024, maxAliasCount: 100, maxDepth: 64 };

/** Deepest nesting of collections under `root`, walked without recursion (the input decides the depth). */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (isMap(node)) for (const pair of node.items) stack.push([pair.value, depth + 1]);
    else if (isSeq(node)) for (const item of node.items) stack.push([item, depth + 1]);
    else continue;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

export interface ParsedValues {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  data: Record<string, unknown>;
  format: YamlFormat;
}

export type ParseValuesResult =
  { ok: true; values: ParsedValues; warnings: Finding[] } | { ok: false; blockers: Finding[]; warnings: Finding[] };

const MAX_FINDINGS_PER_CODE = 20;
const PARSER_CODES: Partial<Record<ErrorCode, FindingCode>> = {
  TAB_AS_INDENT: "tab-indentation",
  BAD_INDENT: "bad-indentation",
  DUPLICATE_KEY: "duplicate-key",
  MULTIPLE_DOCS: "multiple-documents",
};
/** Plain scalars YAML 1.1 (Helm's go-yaml) reads as booleans, octal or base-60 numbers. */
const YAML11_ONLY = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+|[-+]?\d+(?::[0-5]?\d)+)$/;

const positionOf = (text: string, index: number): { line: number; column: number } => {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  return { line, column: index - before.lastIndexOf("\n") };
};

const byteLength = (text: string): number => new TextEncoder().encode(text).byteLength;

/** Index of the first C0 control (other than tab, LF, CR), DEL or U+FFFD (a byte that was not UTF-8); -1 if none. */
function firstControlCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f || code === 0xfffd) return i;
  }
  return -1;
}

/** The YAML core schema's tags: what Helm's values are made of. Anything else (!!binary, !!set, !!timestamp, local
 * tags) would reach the values file as a type Helm and this app do not write back the same way. */
const CORE_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

function foreignTags(doc: Document, lineCounter: LineCounter): Finding[] {
  const found: Finding[] = [];
  visit(doc, {
    Node(_key, node) {
      if (!node.tag || CORE_TAGS.has(node.tag)) return;
      const at = node.range ? lineCounter.linePos(node.range[0]) : undefined;
      found.push(
        finding(
          "unsupported-tag",
          `the YAML tag ${node.tag.replace("tag:yaml.org,2002:", "!!")} is not supported in values; write the plain value`,
          at ? { line: at.line, column: at.col } : {},
        ),
      );
    },
  });
  return found;
}

export function parseValues(text: string, limits: ValuesLimits = DEFAULT_VALUES_LIMITS): ParseValuesResult {
  try {
    return parseValuesText(text, limits);
  } catch (error) {
    // The YAML library throws on some inputs while composing them (a merge key inside a complex key, say): whatever
    // it cannot read is a syntax problem of the input, answered as such, never a 500.
    if (error instanceof Error)
      return { ok: false, blockers: [finding("yaml-syntax", firstLine(error.message))], warnings: [] };
    throw error;
  }
}

function parseValuesText(text: string, limits: ValuesLimits): ParseValuesResult {
  const warnings: Finding[] = [];
  const fail = (...blockers: Finding[]): ParseValuesResult => ({ ok: false, blockers, warnings });

  if (text.length > limits.maxBytes || byteLength(text) > limits.maxBytes)
    return fail(finding("too-large", `the values file is ${byteLength(text)} bytes; the limit is ${limits.maxBytes}`));
  const control = firstControlCharacter(text);
  if (control >= 0)
    return fail(
      finding(
        "binary-content",
        `control character U+${text.charCodeAt(control).toString(16).padStart(4, "0").toUpperCase()}: this is not a text values file`,
        positionOf(text, control),
      ),
    );
  if (text.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line))) return fail(emptyValues());

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true, uniqueKeys: true });
  const syntax = [...parserErrors(doc), ...tabIndentation(text, doc, lineCounter, parserTabLines(doc))];
  // A tab derails the parser for the rest of its line: the errors that follow from it would only confuse.
  const tabLines = new Set(syntax.filter((f) => f.code === "tab-indentation").map((f) => f.line));
  const blockers = syntax.filter((f) => f.code === "tab-indentation" || !tabLines.has(f.line));
  for (const warning of doc.warnings)
    warnings.push(finding("yaml-warning", firstLine(warning.message), linePosition(warning.linePos)));
  if (blockers.length > 0) return fail(...capPerCode(blockers));
  const tagged = foreignTags(doc, lineCounter);
  if (tagged.length > 0) return fail(...capPerCode(tagged));

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null) || (isMap(root) && root.items.length === 0))
    return fail(emptyValues());
  if (!isMap(root))
    return fail(
      finding("root-not-mapping", "the top level of a values file must be a mapping of keys", {
        ...nodeLocation(root, lineCounter),
      }),
    );

  // Deep documents are refused before anything recursive walks them: they overflow stacks and take seconds.
  const maxDepth = limits.maxDepth ?? 64;
  const depth = nestingDepth(root);
  if (depth > maxDepth)
    return fail(finding("too-deep", `the values nest ${depth} levels deep; the limit is ${maxDepth}`));

  let aliases = 0;
  walkNodes(root, (node) => {
    if (isAlias(node)) aliases += 1;
  });
  let data: Record<string, unknown>;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliasCount }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ReferenceError)
      return fail(
        finding(
          "alias-limit",
          `aliases expand beyond the limit of ${limits.maxAliasCount}: refused as a resource exhaustion attack (${aliases} aliases)`,
        ),
      );
    // Errors only building the data shows, e.g. `<<: *a` merging something that is not a mapping.
    if (error instanceof Error) return fail(finding("yaml-syntax", firstLine(error.message)));
    throw error;
  }
  if (aliases > 0)
    warnings.push(
      finding(
        "aliases-present",
        `${aliases} alias(es): editing an anchored value changes every place that refers to it`,
      ),
    );
  warnings.push(...capPerCode(scalarWarnings(root, lineCounter)));
  return { ok: true, values: { doc, lineCounter, data, format: detectYamlFormat(text) }, warnings };
}

const emptyValues = (): Finding =>
  finding(
    "empty-values",
    "the values file is empty: this usually means the cluster was not reached correctly (check the connection and read the values again)",
  );

/** The parser's message without its position and code excerpt: findings carry line and column themselves. */
const firstLine = (message: string): string =>
  (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");

const linePosition = (linePos: readonly { line: number; col: number }[] | undefined) => {
  const first = linePos?.[0];
  return first ? { line: first.line, column: first.col } : {};
};

function parserErrors(doc: Document.Parsed): Finding[] {
  return doc.errors.map((error) =>
    finding(PARSER_CODES[error.code] ?? "yaml-syntax", firstLine(error.message), linePosition(error.linePos)),
  );
}

const parserTabLines = (doc: Document.Parsed): Set<number> =>
  new Set(doc.errors.filter((e) => e.code === "TAB_AS_INDENT").map((e) => e.linePos?.[0].line ?? 0));

/**
 * Tabs anywhere in leading whitespace, except inside block scalars where they are content. The parser only
 * reports the first tab that breaks its reading; this names every line.
 */
function tabIndentation(text: string, doc: Document.Parsed, lineCounter: LineCounter, known: Set<number>): Finding[] {
  const blockLines = new Set<number>();
  walkNodes(doc.contents, (node) => {
    if (isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") && node.range) {
      const first = lineCounter.linePos(node.range[0]).line;
      const last = lineCounter.linePos(Math.max(node.range[0], node.range[1] - 1)).line;
      for (let line = first + 1; line <= last; line++) blockLines.add(line);
    }
  });
  const findings: Finding[] = [];
  text.split("\n").forEach((content, index) => {
    const line = index + 1;
    const leading = /^[ \t]*/.exec(content)?.[0] ?? "";
    const tab = leading.indexOf("\t");
    if (tab >= 0 && !blockLines.has(line) && !known.has(line))
      findings.push(
        finding("tab-indentation", "tab in indentation: YAML indents with spaces only", { line, column: tab + 1 }),
      );
  });
  return findings;
}

function scalarWarnings(root: unknown, lineCounter: LineCounter): Finding[] {
  const findings: Finding[] = [];
  walkNodes(root, (node, path) => {
    if (!isScalar(node) || path.length === 0) return;
    const where = { path: formatYamlPath(path), ...nodeLocation(node, lineCounter) };
    if (node.value === null && node.source === "")
      findings.push(
        finding(
          "empty-value",
          `${formatYamlPath(path)} has no value; if the lines below belong to it, indent them further`,
          where,
        ),
      );
    if (node.type === "PLAIN" && typeof node.source === "string" && YAML11_ONLY.test(node.source))
      findings.push(
        finding(
          "yaml11-ambiguous",
          `${formatYamlPath(path)}: Helm reads ${node.source} differently from its text (YAML 1.1); quote it ("${node.source}") if a string is meant`,
          where,
        ),
      );
  });
  return findings;
}

function capPerCode(findings: Finding[]): Finding[] {
  const seen = new Map<string, number>();
  return findings.filter((f) => {
    const count = (seen.get(f.code) ?? 0) + 1;
    seen.set(f.code, count);
    return count <= MAX_FINDINGS_PER_CODE;
  });
}

// ---- Release checks -------------------------------------------------------------------------------------------

export interface ReleaseJumpCheck {
  /** Releases to upgrade through, the target last; empty when the jump is refused. */
  hops: Release[];
  findings: Finding[];
}

/**
 * Is `from` -> `to` an upgrade the catalog supports? A jump that needs intermediate releases is a blocker naming
 * the chain, or only a warning when the caller runs the chain hop by hop (`allowChain`).
 */
export function checkReleaseJump(
  catalog: ReleaseCatalog,
  from: string,
  to: string,
  options: { allowChain?: boolean } = {},
): ReleaseJumpCheck {
  const path = planPath(catalog, from, to);
  if (!path.ok) {
    const code: Record<typeof path.reason, FindingCode> = {
      "unknown-source": "unknown-source-release",
      "unknown-target": "unknown-target-release",
      "same-release": "same-release",
      downgrade: "downgrade",
      "no-path": "no-upgrade-path",
    };
    return { hops: [], findings: [finding(code[path.reason], path.message)] };
  }
  const findings: Finding[] = [];
  if (!path.sourceInCatalog)
    findings.push(
      finding("source-not-in-catalog", `the current release ${from} is not in the catalog; it is placed by its date`),
    );
  const target = path.hops[path.hops.length - 1]!;
  if (path.hops.length > 1) {
    const chain = [from, ...path.hops.map((h) => h.tag)].join(" -> ");
    if (options.allowChain)
      findings.push(finding("upgrade-chain", `${target.tag} is reached in ${path.hops.length} upgrades: ${chain}`));
    else
      return {
        hops: [],
        findings: [
          ...findings,
          finding(
            "unsupported-jump",
            `${target.tag} cannot be upgraded to from ${from} directly (it needs ${target.minimumSource} or later); upgrade through ${chain}`,
          ),
        ],
      };
  }
  return { hops: path.hops, findings };
}

// ---- Consistency of prepared values -----------------------------------------------------------------------------

export const PACKAGES_PATH: YamlPath = ["application", "cluedin", "components", "packages"];
export const UPGRADE_FLAGS = ["upgradeMode", "runDatabaseJobsOnUpgrade", "runNugetFullRestore"] as const;
const GLOBAL_IMAGE: YamlPath = ["global", "image"];

export const isCluedInPackage = (name: string): boolean => name.toLowerCase().startsWith("cluedin.");
const samePath = (a: YamlPath, b: YamlPath): boolean => a.length === b.length && a.every((key, i) => key === b[i]);

/** Is this `image.tag` a CluedIn release (possibly with a build suffix), i.e. a pin of the platform version? */
export const isReleasePin = (tag: string): boolean => isReleaseTag(tag.replace(/[-+].*$/, ""));

/**
 * Does `text` say what the catalog says for `target`? Run after preparation (a last guard against the tool's own
 * mistakes) and on values a user supplies. Line numbers refer to `text`.
 */
export function checkPreparedValues(text: string, target: Release, limits?: ValuesLimits): Finding[] {
  const parsed = parseValues(text, limits);
  if (!parsed.ok) return parsed.blockers;
  const { doc, lineCounter } = parsed.values;
  const at = (node: unknown, path: YamlPath) => ({
    path: formatYamlPath(path),
    ...nodeLocation(node as { range?: [number, number, number] }, lineCounter),
  });
  const findings: Finding[] = [];

  const globalTag = doc.getIn([...GLOBAL_IMAGE, "tag"], true);
  const globalText = scalarText(globalTag);
  if (globalText === undefined || !isReleaseTag(globalText) || !sameRelease(globalText, target.imageTag))
    findings.push(
      finding(
        "global-tag-mismatch",
        `global.image.tag is ${globalText === undefined ? "not set" : `"${globalText}"`}; it must be "${target.imageTag}"`,
        at(globalTag, [...GLOBAL_IMAGE, "tag"]),
      ),
    );

  walkNodes(doc.contents, (node, path) => {
    if (!isMap(node) || path[path.length - 1] !== "image" || samePath(path, GLOBAL_IMAGE)) return;
    const tagNode = node.get("tag", true);
    const tag = scalarText(tagNode);
    if (tag !== undefined && isReleasePin(tag) && !sameRelease(tag.replace(/[-+].*$/, ""), target.imageTag))
      findings.push(
        finding(
          "component-tag-pinned",
          `${formatYamlPath([...path, "tag"])} pins "${tag}" and wins over global.image.tag; remove it`,
          at(tagNode, [...path, "tag"]),
        ),
      );
  });

  findings.push(...checkPackages(doc, target, at));

  for (const change of requiredValues(target)) {
    const path = parseDottedPath(change.path);
    const node = doc.getIn(path, true);
    const actual = isScalar(node) ? node.value : undefined;
    if (actual !== change.value)
      findings.push(
        finding(
          "release-value-mismatch",
          `${change.path} must be ${JSON.stringify(change.value)} for ${target.tag} (${change.reason})`,
          at(node, path),
        ),
      );
  }

  for (const flag of UPGRADE_FLAGS) {
    const path = ["application", "system", flag];
    const node = doc.getIn(path, true);
    if (node !== undefined)
      findings.push(finding("upgrade-flag-in-values", upgradeFlagMessage(target, flag, node), at(node, path)));
  }
  return findings;
}

/**
 * What becomes of an `application.system` flag the file sets: the page's `--set` flags override it; a basic upgrade
 * also passes `--set application.system.upgradeMode=false` (a stale `true` would keep CluedIn in upgrade mode);
 * anything else the page's command leaves to the file.
 */
function upgradeFlagMessage(target: Release, flag: (typeof UPGRADE_FLAGS)[number], node: unknown): string {
  const key = `application.system.${flag}`;
  const written = `${key}: ${isScalar(node) ? String(node.value) : "(not a single value)"} is in the file`;
  const commands = [target.helm.upgrade, ...(target.helm.finalize ? [target.helm.finalize] : [])];
  const sets = commands.map((command) => command.set[key]).filter((value) => value !== undefined);
  if (sets.length > 0)
    return `${written}; the ${target.tag} commands override it (${sets.map((value) => `--set ${key}=${value}`).join(", then ")})`;
  if (flag === "upgradeMode" && modeFor(target) === "basic")
    return `${written}; the basic upgrade to ${target.tag} overrides it with --set ${key}=false`;
  return `${written}; ${target.tag}'s page sets no ${flag} on its command, so the file's value applies`;
}

function checkPackages(
  doc: Document.Parsed,
  target: Release,
  at: (node: unknown, path: YamlPath) => { path: string; line?: number; column?: number },
): Finding[] {
  const packages = doc.getIn(PACKAGES_PATH, true);
  if (packages === undefined || (isScalar(packages) && packages.value === null)) return [];
  if (!isSeq(packages))
    return [
      finding("unexpected-structure", `${formatYamlPath(PACKAGES_PATH)} must be a list`, at(packages, PACKAGES_PATH)),
    ];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  packages.items.forEach((item, index) => {
    const path = [...PACKAGES_PATH, index];
    const name = isMap(item) ? scalarText(item.get("name", true)) : undefined;
    if (!isMap(item) || name === undefined || name === "") {
      findings.push(finding("invalid-package-entry", "a package entry needs a name and a version", at(item, path)));
      return;
    }
    const versionNode = item.get("version", true);
    const version = scalarText(versionNode);
    if (seen.has(name.toLowerCase()))
      findings.push(finding("duplicate-package", `${name} is listed more than once`, at(item, path)));
    seen.add(name.toLowerCase());
    if (!isCluedInPackage(name)) {
      findings.push(
        finding(
          "customer-package",
          `${name} ${version ?? "(no version)"} is a customer package: make sure it is rebuilt against CluedIn ${target.tag}`,
          at(item, path),
        ),
      );
      return;
    }
    const expected = catalogPackageVersion(target, name);
    if (expected === undefined)
      findings.push(
        finding(
          "package-not-in-catalog",
          `${name} ${version ?? "(no version)"} is installed, but CluedIn's ${target.tag} upgrade page does not list it (${target.source.url}): its version is left as is; check it is still supported`,
          at(item, path),
        ),
      );
    else if (version !== expected)
      findings.push(
        finding(
          "package-version-mismatch",
          `${name} is ${version ?? "without a version"}; ${target.tag} needs ${expected}`,
          at(versionNode ?? item, [...path, "version"]),
        ),
      );
  });
  return findings;
}
