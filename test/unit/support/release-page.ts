/**
 * Reads one of CluedIn's release pages (CluedIn-io/CluedIn.Documentation docs/190-paas-operations/upgrade/*.md, copied
 * under test/fixtures/cluedin-docs/) into the facts config/releases.yaml records: the "prior to" sentence, the chart,
 * the values block, the `helm upgrade` commands, the `kubectl` steps and the DataUpgrade resource. Written against
 * the pages as they are, so a drift test can compare the catalog with them entry by entry.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";

export const DOCS_FIXTURES = new URL("../../fixtures/cluedin-docs/", import.meta.url);

export interface CodeBlock {
  /** The fence's info string: `yaml`, `bash` or empty. */
  lang: string;
  /** The block's lines with the fence's own indentation removed. */
  text: string;
}

/** One `helm upgrade` as the page writes it. */
export interface PageHelmCommand {
  chartVersion?: string;
  reuseValues: boolean;
  /** Every `--values` argument in order; the first is the page's `${CustomValues}`. */
  values: string[];
  /** `--set key=value`, the value as written. */
  set: Record<string, string>;
  wait: boolean;
  timeout?: string;
}

export interface ReleasePage {
  file: string;
  permalink: string;
  title: string;
  /** From "We do not support upgrading directly to this version from prior to X." */
  minimumSource: string;
  /** From "Access to the helm chart version `X`". */
  chartVersion: string;
  /** The values block ("update the following properties"), parsed. */
  valuesBlock: ValuesLeaf[];
  packages: { name: string; version: string }[];
  helm: PageHelmCommand[];
  /** Every `kubectl` command outside the DataUpgrade heredoc, as an argument vector, in page order. */
  kubectl: string[][];
  /** `spec.toVersion` of the page's DataUpgrade resource (Stage 2), when it has one. */
  dataUpgradeResource?: string;
}

/** A leaf of the values block: its dotted path, the value as written and its YAML type. */
export interface ValuesLeaf {
  path: string;
  text: string;
  type: "string" | "number" | "boolean";
}

const PACKAGES = "application.cluedin.components.packages";

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++)
      body.push(lines[i]!.replace(new RegExp(`^ {0,${indent}}`), ""));
    blocks.push({ lang: open[2]!, text: body.join("\n") });
  }
  return blocks;
}

function frontMatter(markdown: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  if (!match) throw new Error("no front matter");
  return parseDocument(match[1]!).toJS() as Record<string, unknown>;
}

function required(pattern: RegExp, markdown: string, what: string): string {
  const match = pattern.exec(markdown);
  if (!match?.[1]) throw new Error(`no ${what}`);
  return match[1];
}

/** Leaves of a YAML node with dotted paths; sequences are not leaves (the packages list is read on its own). */
function leaves(node: unknown, prefix: string, out: ValuesLeaf[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      leaves(pair.value, prefix ? `${prefix}.${key}` : key, out);
    }
  } else if (isScalar(node)) {
    const value: unknown = node.value;
    const type = typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
    const text = typeof node.source === "string" ? node.source : String(value);
    out.push({ path: prefix, text, type });
  } else if (!isSeq(node) || prefix !== PACKAGES) throw new Error(`unexpected node at ${prefix}`);
}

function parseHelm(block: string): PageHelmCommand | undefined {
  const start = block.indexOf("helm upgrade");
  if (start < 0) return undefined;
  // Lines are joined whether or not they end in `\`: two finalize commands (2024.12, 2025.05.00) miss one after
  // `--values ${CustomValues}` although their `--set` lines plainly belong to the command.
  const tokens = block
    .slice(start)
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join(" ")
    .split(/\s+/)
    .filter((token) => token !== "" && token !== "\\");
  const command: PageHelmCommand = { reuseValues: false, values: [], set: {}, wait: false };
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = (): string => {
      const value = tokens[++i];
      if (value === undefined) throw new Error(`${token} without a value`);
      return value;
    };
    if (token === "--version") command.chartVersion = next();
    else if (token === "--reuse-values") command.reuseValues = true;
    else if (token === "--values" || token === "-f") command.values.push(next());
    else if (token === "--set") {
      const [key, value] = next().split("=");
      command.set[key!] = value ?? "";
    } else if (token === "--wait") command.wait = true;
    else if (token === "--timeout") command.timeout = next();
    else if (token === "-n") next();
    else if (token.startsWith("-")) throw new Error(`unknown helm flag ${token}`);
  }
  return command;
}

export function parseReleasePage(file: string, markdown: string): ReleasePage {
  const meta = frontMatter(markdown);
  const blocks = codeBlocks(markdown);
  const valuesYaml = blocks.find((b) => b.lang === "yaml");
  if (!valuesYaml) throw new Error(`${file}: no values block`);
  const doc = parseDocument(valuesYaml.text);
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
  const valuesBlock: ValuesLeaf[] = [];
  leaves(doc.contents, "", valuesBlock);
  const packageNodes = doc.getIn(PACKAGES.split("."), true);
  const packages = isSeq(packageNodes)
    ? packageNodes.items.map((item) => {
        if (!isMap(item)) throw new Error(`${file}: a package is not a mapping`);
        return { name: String(item.get("name")).trim(), version: String(item.get("version")) };
      })
    : [];

  const helm = blocks.flatMap((b) => parseHelm(b.text) ?? []);
  const kubectl = blocks
    .filter((b) => !b.text.includes("<<EOF"))
    .flatMap((b) => b.text.split("\n"))
    .map((line) => line.trim())
    .filter((line) => line.startsWith("kubectl "))
    .map((line) => line.split(/\s+/));
  const resource = blocks.find((b) => /kind: DataUpgrade/.test(b.text));
  const dataUpgradeResource = resource ? /toVersion: (\S+)/.exec(resource.text)?.[1] : undefined;

  return {
    file,
    permalink: String(meta.permalink),
    title: String(meta.title),
    minimumSource: required(/from prior to (\S+?)\.\s*$/m, markdown, "minimum source"),
    chartVersion: required(/helm chart version `([^`]+)`/i, markdown, "chart version"),
    valuesBlock,
    packages,
    helm,
    kubectl,
    ...(dataUpgradeResource ? { dataUpgradeResource } : {}),
  };
}

export const readReleasePage = (file: string): ReleasePage =>
  parseReleasePage(file, readFileSync(new URL(file, DOCS_FIXTURES), "utf8"));
