/**
 * Prepares the new Helm user values from the current ones (runbook: "Prepare new Helm user values"), editing the
 * YAML document so comments, key order and quoting survive: the platform tag, the `CluedIn.*` package versions and
 * the release's own keys are set from the catalog (each release's page), and stale component tag pins are removed.
 * The upgrade flags of `application.system` are left alone: the upgrade passes them with --set.
 *
 * Packages follow the page's list without growing it: an installed package the page lists moves to the page's
 * version, an installed `CluedIn.*` package the page does not list is kept and reported, and a listed package that
 * is not installed is only counted (pages list what a release was built with, not what every installation needs).
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, type Document } from "yaml";
import { catalogPackageVersion, requiredValues, type Release } from "../catalog/catalog.js";
import { isReleaseTag, releaseTagSlug, sameRelease } from "../catalog/release-tag.js";
import { blockersOf, finding, warningsOf, type Finding } from "./findings.js";
import {
  checkPreparedValues,
  isCluedInPackage,
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

/** What preparation did with the package list (`application.cluedin.components.packages`). */
export interface PackageOutcome {
  /** Installed packages moved to the release page's version. */
  updated: number;
  /** Installed packages already at it. */
  unchanged: number;
  /** Installed `CluedIn.*` packages the release page does not list: left as they are, each also a warning. */
  notListed: string[];
  /** Packages the release page lists that the values do not install: never added. */
  notInstalled: string[];
}

export interface PrepareInput {
  valuesText: string;
  /** The release the cluster runs now. */
  sourceRelease: string;
  /** Its catalog entry, when catalogued: a support update's component pins are removed when leaving it. */
  source?: Release;
  target: Release;
  /** dev, test, staging, prod...: names the file. */
  environment: string;
  limits?: ValuesLimits;
}

export type PrepareResult =
  | { ok: true; text: string; fileName: string; changes: Change[]; warnings: Finding[]; packages: PackageOutcome }
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
  const releaseValues = requiredValues(target);
  editor.setScalar(
    ["global", "image", "tag"],
    target.imageTag,
    `the platform release ${target.tag} (was ${input.sourceRelease})`,
  );
  editor.removeComponentTagPins(target, new Set(releaseValues.map((change) => change.path)));
  if (input.source?.kind === "support" && !sameRelease(input.source.tag, target.tag))
    editor.removeSupportPins(input.source, target);
  const packages = editor.updatePackages(target);
  for (const change of releaseValues) editor.setScalar(parseDottedPath(change.path), change.value, change.reason);
  const sourceWarnings = inFile(parsed.warnings, currentFile);
  if (editor.blockers.length > 0)
    return { ok: false, blockers: inFile(editor.blockers, currentFile), warnings: sourceWarnings };

  const text = stringifyYaml(parsed.values.doc, parsed.values.format);
  assertReadsBack(text, parsed.values.doc);
  const check = inFile(checkPreparedValues(text, target, input.limits), fileName);
  const blockers = blockersOf(check);
  const warnings = [...sourceWarnings, ...warningsOf(check)];
  if (blockers.length > 0) return { ok: false, blockers, warnings };
  return { ok: true, text, fileName, changes: editor.changes, warnings, packages };
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
  removeComponentTagPins(target: Release, releasePaths: ReadonlySet<string>): void {
    const pins: { imagePath: YamlPath; image: YAMLMap; tag: string }[] = [];
    walkNodes(this.doc.contents, (node, path) => {
      if (!isMap(node) || path[path.length - 1] !== "image" || formatYamlPath(path) === "global.image") return;
      // The page's own pins stay (2024.12.x sets application.cluedin.image.tag to the release).
      if (releasePaths.has(formatYamlPath([...path, "tag"]))) return;
      const tag = scalarText(node.get("tag", true));
      if (tag !== undefined && isReleasePin(tag)) pins.push({ imagePath: path, image: node, tag });
    });
    for (const { imagePath, image, tag } of pins)
      this.removeTag(
        imagePath,
        image,
        tag,
        `a component tag overrides global.image.tag and would keep this component on ${tag} instead of ${target.tag}`,
      );
  }

  /**
   * A support update's component pins (`4.7.0-update.118`...) are not release tags, but they win over
   * `global.image.tag` all the same: leaving the support update removes those still holding its values.
   */
  removeSupportPins(source: Release, target: Release): void {
    for (const pin of source.values.filter((change) => change.path.endsWith(".image.tag"))) {
      const imagePath = parseDottedPath(pin.path).slice(0, -1);
      const image = this.doc.getIn(imagePath, true);
      const tag = isMap(image) ? scalarText(image.get("tag", true)) : undefined;
      if (isMap(image) && tag === String(pin.value))
        this.removeTag(
          imagePath,
          image,
          tag,
          `${source.tag} pinned it (${source.source.url}); ${target.tag} runs this component from global.image.tag`,
        );
    }
  }

  private removeTag(imagePath: YamlPath, image: YAMLMap, tag: string, reason: string): void {
    image.delete("tag");
    this.changes.push({ kind: "removed", path: formatYamlPath([...imagePath, "tag"]), from: tag, reason });
    const parent = this.doc.getIn(imagePath.slice(0, -1), true);
    if (image.items.length === 0 && isMap(parent)) parent.delete("image");
  }

  updatePackages(target: Release): PackageOutcome {
    const outcome: PackageOutcome = { updated: 0, unchanged: 0, notListed: [], notInstalled: [] };
    const existing = this.doc.getIn(PACKAGES_PATH, true);
    const present = new Set<string>();
    if (isSeq(existing)) {
      existing.items.forEach((item, index) => {
        if (!isMap(item)) return;
        const name = scalarText(item.get("name", true));
        if (name === undefined) return;
        present.add(name.toLowerCase());
        if (!isCluedInPackage(name)) return;
        const version = catalogPackageVersion(target, name);
        if (version === undefined) {
          outcome.notListed.push(name);
          return;
        }
        const before = this.changes.length;
        this.setScalar(
          [...PACKAGES_PATH, index, "version"],
          version,
          `${name} version of CluedIn's ${target.tag} upgrade page`,
        );
        if (this.changes.length > before) outcome.updated += 1;
        else outcome.unchanged += 1;
      });
    } else if (existing !== undefined && !(isScalar(existing) && existing.value === null)) {
      this.blockers.push(
        finding("unexpected-structure", `${formatYamlPath(PACKAGES_PATH)} must be a list of {name, version}`, {
          path: formatYamlPath(PACKAGES_PATH),
          ...nodeLocation(existing, this.values.lineCounter),
        }),
      );
    }
    outcome.notInstalled = target.packages.filter((p) => !present.has(p.name.toLowerCase())).map((p) => p.name);
    return outcome;
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
