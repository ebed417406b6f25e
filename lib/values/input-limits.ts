/**
 * How much YAML a caller may send as extra values. Extra values are overrides of a few keys; the YAML library's cost
 * grows with lines, keys and syntax (quotes, brackets, anchors: each a token, often an error), up to tens of
 * microseconds a byte on hostile text, and planning merges every key one by one: 20,000 keys held the event loop
 * for 22 s. These caps are checked on the text before it is parsed, in one pass, so a refusal costs nothing.
 */

export interface ValuesInputLimits {
  /** UTF-16 code units: every plan parses, redacts and prints the merged file several times. */
  maxChars: number;
  /** Lines of text. */
  maxLines: number;
  /** Mapping keys: `key:` indicators (a colon before a space or the end of a line), and `,` of flow mappings. */
  maxKeys: number;
  /** YAML syntax characters other than `:` and `-`: `"`, `[`, `]`, `{`, `}`, `&`, `*`, `!`, `?`, `|`, `>`, `%`, `@`, and `` ` ``. */
  maxSyntax: number;
}

/** A request over one of these is answered 413 with the cap's code and `details.limit` (functions/inputs.ts). */
export const EXTRA_VALUES_LIMITS: ValuesInputLimits = {
  maxChars: 64 * 1024,
  maxLines: 2_000,
  maxKeys: 1_000,
  maxSyntax: 4_000,
};

export type ValuesLimitCode = "values-too-large" | "too-many-lines" | "too-many-keys" | "too-complex";

export interface ValuesLimitExceeded {
  code: ValuesLimitCode;
  message: string;
  limit: number;
}

const SYNTAX = new Set([...'"[]{}&*!?|>%@`'].map((c) => c.charCodeAt(0)));
const [NEWLINE, COLON, COMMA, SPACE, TAB, CR] = ["\n", ":", ",", " ", "\t", "\r"].map((c) => c.charCodeAt(0));

/** The first cap `text` exceeds, counted up to one past the limit; undefined when it is within all of them. */
export function exceededValuesLimit(
  text: string,
  limits: ValuesInputLimits = EXTRA_VALUES_LIMITS,
): ValuesLimitExceeded | undefined {
  if (text.length > limits.maxChars)
    return {
      code: "values-too-large",
      message: `the values are longer than ${limits.maxChars} characters`,
      limit: limits.maxChars,
    };
  let lines = 1;
  let keys = 0;
  let syntax = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === NEWLINE) lines++;
    else if (code === COMMA) keys++;
    else if (code === COLON) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next) || next === SPACE || next === TAB || next === NEWLINE || next === CR) keys++;
    } else if (SYNTAX.has(code)) syntax++;
    if (lines > limits.maxLines)
      return {
        code: "too-many-lines",
        message: `the values have more than ${limits.maxLines} lines`,
        limit: limits.maxLines,
      };
    if (keys > limits.maxKeys)
      return {
        code: "too-many-keys",
        message: `the values have more than ${limits.maxKeys} keys`,
        limit: limits.maxKeys,
      };
    if (syntax > limits.maxSyntax)
      return {
        code: "too-complex",
        message: `the values have more than ${limits.maxSyntax} YAML syntax characters (quotes, brackets, anchors, tags)`,
        limit: limits.maxSyntax,
      };
  }
  return undefined;
}
