/**
 * Writing a values document back in the style it was read in: the indentation width and whether sequences are
 * indented under their key (Helm prints `packages:` then `- name:` at the same column; editors often indent).
 */
import type { Document } from "yaml";

export interface YamlFormat {
  indent: number;
  indentSeq: boolean;
}

const KEY_OPENS_BLOCK = /:\s*(#.*)?$/;

export function detectYamlFormat(text: string): YamlFormat {
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  let previous: { indent: number; opensBlock: boolean } | undefined;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const content = line.trimStart();
    if (content === "" || content.startsWith("#")) continue;
    const depth = line.length - content.length;
    if (previous?.opensBlock) {
      if (content.startsWith("- ") || content === "-") indentSeq ??= depth > previous.indent;
      else if (depth > previous.indent) indent ??= depth - previous.indent;
    }
    if (indent !== undefined && indentSeq !== undefined) break;
    previous = { indent: depth, opensBlock: KEY_OPENS_BLOCK.test(content) && !content.startsWith("- ") };
  }
  return { indent: indent ?? 2, indentSeq: indentSeq ?? true };
}

/** No line folding: a long value stays on one line, as Helm and the original file had it. */
export const stringifyYaml = (doc: Document, format: YamlFormat): string =>
  doc.toString({ indent: format.indent, indentSeq: format.indentSeq, lineWidth: 0 });
