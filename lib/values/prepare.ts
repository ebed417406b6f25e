/**
 * Prepares the new Helm user values from the current ones (runbook: "Prepare new Helm user values"), editing the
 * YAML document so comments, key order and quoting survive: the platform tag, the `CluedIn.*` package versions and
 * the release's own keys are set from the catalog, and stale component tag pins are removed. The upgrade flags of
 * `application.system` are left alone: the upgrade passes them with --set.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq, type Document } from "yaml";
import { catalogPackageVersion, requiredValues, type Release } from "../catalog/catalog.js";
import { isReleaseTag, releaseTagSlug } from "../catalog/release-tag.js";
import { blockersOf, finding, warningsOf, type Finding } from "./findings.js";
import {
  checkPreparedValues,
  isReleasePin,
  PACKAGES_PATH,
  parseValues,
  type ParsedValues,
  type ValuesLimits,
} from "./validate.js";
import { stringifyYaml } from "./yaml-format.js";
import { formatYamlPath, nodeLocation, parseDottedPath, scalarText, walkNodes, type YamlPath } from "./yaml-paths.js";

export interface Change {
  kind: "set" | "added" | "removed";
  /** Dotted path in the values file. */
  path: string;
  from?: string;
  to?: string;
  reason: string;
}

export interface PrepareInput {
  valuesText: string;
  /** The release the cluster runs now. */
  sourceRelease: string;
  target: Release;
  /** dev, test, staging, prod...: names the file. */
  environment: string;
  limits?: ValuesLimits;
}

export type PrepareResult =
  | { ok: true; text: string; fileName: string; changes: Change[]; warnings: Finding[] }
  | { ok: false; blockers: Finding[]; warnings: Finding[] };

/** The runbook's naming: `values-<environment>-<release-with-hyphens>.yml`. */
export const valuesFileName = (environment: string, release: string): string =>
  `values-${environment}-${releaseTagSlug(release)}.yml`;

/** Thrown when the written text does not read back as the edited document: a defect, never an input problem. */
export class ValuesRoundTripError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ValuesRoundTripError";
  }
}

const YAML11_ONLY_WORD = /^(?:y|n|yes|no|on|off|true|false|null|~)$/i;

export function prepareValues(input: PrepareInput): PrepareResult {
  const { target, environment } = input;
  const fileName = valuesFileName(environment, target.tag);
  const currentFile = isReleaseTag(input.sourceRelease) ? valuesFileName(environment, input.sourceRelease) : undefined;
  const parsed = parseValues(input.valuesText, input.limits);
  if (!parsed.ok)
    return {
      ok: false,
      blockers: inFile(parsed.blockers, currentFile),
      warnings: inFile(parsed.warnings, currentFile),
    };

  const editor = new ValuesEditor(parsed.values);
  editor.setScalar(["global", "image", "tag"], target.tag, `the platform release (was ${input.sourceRelease})`);
  editor.removeComponentTagPins(target.tag);
  editor.updatePackages(target);
  for (const change of requiredValues(target))
    editor.setScalar(parseDottedPath(change.path), change.value, change.reason);
  const sourceWarnings = inFile(parsed.warnings, currentFile);
  if (editor.blockers.length > 0)
    return { ok: false, blockers: inFile(editor.blockers, currentFile), warnings: sourceWarnings };

  const text = stringifyYaml(parsed.values.doc, parsed.values.format);
  assertReadsBack(text, parsed.values.doc);
  const check = inFile(checkPreparedValues(text, target, input.limits), fileName);
  const blockers = blockersOf(check);
  const warnings = [...sourceWarnings, ...warningsOf(check)];
  if (blockers.length > 0) return { ok: false, blockers, warnings };
  return { ok: true, text, fileName, changes: editor.changes, warnings };
}

const inFile = (findings: Finding[], file: string | undefined): Finding[] =>
  file === undefined ? findings : findings.map((f) => (f.line === undefined ? f : { ...f, file }));

function assertReadsBack(text: string, edited: Document): void {
  const reread = parseDocument(text, { merge: true });
  const expected = JSON.stringify(edited.toJS({ maxAliasCount: -1 }));
  const actual = reread.errors.length === 0 ? JSON.stringify(reread.toJS({ maxAliasCount: -1 })) : undefined;
  if (actual !== expected)
    throw new ValuesRoundTripError("the prepared values do not read back as the edited document", {
      cause: reread.errors[0],
    });
}

/** Edits one parsed values document, recording every change and every place it cannot edit. */
class ValuesEditor {
  readonly changes: Change[] = [];
  readonly blockers: Finding[] = [];
  private readonly doc: Document.Parsed;

  constructor(private readonly values: ParsedValues) {
    this.doc = values.doc;
  }

  setScalar(path: YamlPath, value: string | number | boolean, reason: string): void {
    const parent = this.mapAt(path.slice(0, -1));
    const key = path[path.length - 1]!;
    if (!parent) return;
    const existing = parent.get(key, true);
    const dotted = formatYamlPath(path);
    if (isScalar(existing)) {
      const before = scalarText(existing);
      if (existing.value === value) return;
      existing.value = value;
      this.changes.push({
        kind: "set",
        path: dotted,
        ...(before === undefined ? {} : { from: before }),
        to: String(value),
        reason,
      });
      return;
    }
    if (existing !== undefined && existing !== null) {
      this.blockers.push(
        finding("unexpected-structure", `${dotted} holds a ${describe(existing)}; a single value is expected`, {
          path: dotted,
          ...nodeLocation(existing, this.values.lineCounter),
        }),
      );
      return;
    }
    parent.set(key, newScalar(value));
    this.changes.push({ kind: "added", path: dotted, to: String(value), reason });
  }

  /**
   * A component `image.tag` set to a release wins over `global.image.tag` (the chart coalesces them), so a stale one
   * silently keeps that component on the old platform. Removed wherever it is; the emptied `image:` goes too.
   */
  removeComponentTagPins(targetTag: string): void {
    const pins: { parentPath: YamlPath; image: YAMLMap; tag: string }[] = [];
    walkNodes(this.doc.contents, (node, path) => {
      if (!isMap(node) || path[path.length - 1] !== "image" || formatYamlPath(path) === "global.image") return;
      const tag = scalarText(node.get("tag", true));
      if (tag !== undefined && isReleasePin(tag)) pins.push({ parentPath: path.slice(0, -1), image: node, tag });
    });
    for (const { parentPath, image, tag } of pins) {
      image.delete("tag");
      const imagePath = [...parentPath, "image"];
      this.changes.push({
        kind: "removed",
        path: formatYamlPath([...imagePath, "tag"]),
        from: tag,
        reason: `a component tag overrides global.image.tag and would keep this component on ${tag} instead of ${targetTag}`,
      });
      const parent = this.doc.getIn(parentPath, true);
      if (image.items.length === 0 && isMap(parent)) parent.delete("image");
    }
  }

  updatePackages(target: Release): void {
    const existing = this.doc.getIn(PACKAGES_PATH, true);
    const present = new Set<string>();
    let seq: YAMLSeq | undefined;
    if (isSeq(existing)) {
      seq = existing;
      seq.items.forEach((item, index) => {
        if (!isMap(item)) return;
        const name = scalarText(item.get("name", true));
        if (name === undefined) return;
        present.add(name.toLowerCase());
        const version = catalogPackageVersion(target, name);
        if (version !== undefined && name.toLowerCase().startsWith("cluedin."))
          this.setScalar([...PACKAGES_PATH, index, "version"], version, `${name} version for ${target.tag}`);
      });
    } else if (existing !== undefined && !(isScalar(existing) && existing.value === null)) {
      this.blockers.push(
        finding("unexpected-structure", `${formatYamlPath(PACKAGES_PATH)} must be a list of {name, version}`, {
          path: formatYamlPath(PACKAGES_PATH),
          ...nodeLocation(existing, this.values.lineCounter),
        }),
      );
      return;
    }
    const missing = target.packages.filter((p) => p.addIfMissing && !present.has(p.name.toLowerCase()));
    if (missing.length === 0) return;
    if (!seq) {
      const components = this.mapAt(PACKAGES_PATH.slice(0, -1));
      if (!components) return;
      seq = new YAMLSeq();
      components.set(PACKAGES_PATH[PACKAGES_PATH.length - 1], seq);
    }
    const style = packageNameStyle(seq);
    for (const pkg of missing) {
      const entry = new YAMLMap();
      entry.set("name", styled(pkg.name, style));
      entry.set("version", styled(pkg.version, style));
      seq.items.push(entry);
      this.changes.push({
        kind: "added",
        path: formatYamlPath([...PACKAGES_PATH, seq.items.length - 1]),
        to: `${pkg.name} ${pkg.version}`,
        reason: `${target.tag} needs ${pkg.name}`,
      });
    }
  }

  /** The mapping at `path`, created where missing; undefined (and a blocker) when something else is in the way. */
  private mapAt(path: YamlPath): YAMLMap | undefined {
    let node: unknown = this.doc.contents;
    for (let depth = 0; depth < path.length; depth++) {
      const key = path[depth]!;
      const collection: unknown = isAlias(node) ? node.resolve(this.doc) : node;
      if (!isMap(collection) && !isSeq(collection)) return undefined;
      let child: unknown = collection.get(key, true);
      if (isAlias(child)) child = child.resolve(this.doc);
      if (child === undefined || (isScalar(child) && child.value === null)) {
        if (!isMap(collection)) return undefined;
        child = new YAMLMap();
        collection.set(key, child);
      } else if (!isMap(child) && !(isSeq(child) && typeof path[depth + 1] === "number")) {
        const dotted = formatYamlPath(path.slice(0, depth + 1));
        this.blockers.push(
          finding("unexpected-structure", `${dotted} holds a ${describe(child)}; a mapping is expected`, {
            path: dotted,
            ...nodeLocation(child, this.values.lineCounter),
          }),
        );
        return undefined;
      }
      node = child;
    }
    return isMap(node) ? node : undefined;
  }
}

const describe = (node: unknown): string => (isSeq(node) ? "list" : isMap(node) ? "mapping" : "single value");

/** New strings are plain unless YAML 1.1 (Helm) would read them as something else. */
function newScalar(value: string | number | boolean): Scalar {
  const scalar = new Scalar(value);
  if (typeof value === "string" && YAML11_ONLY_WORD.test(value)) scalar.type = "QUOTE_DOUBLE";
  return scalar;
}

type ScalarStyle = Scalar["type"];

const packageNameStyle = (seq: YAMLSeq): ScalarStyle => {
  const first = seq.items.find(isMap);
  const name = first?.get("name", true);
  return isScalar(name) ? name.type : undefined;
};

function styled(value: string, style: ScalarStyle): Scalar {
  const scalar = newScalar(value);
  if (style === "QUOTE_DOUBLE" || style === "QUOTE_SINGLE") scalar.type = style;
  return scalar;
}
