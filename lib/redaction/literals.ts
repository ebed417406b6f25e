/**
 * Redaction by value rather than by shape: free text (Helm output, server log lines, cluster messages) may echo any
 * value of the release, and real values files hold secrets under keys no name heuristic knows (an `env` entry's
 * `value`, a package feed's `pat`, a webhook URL under `target`, a literal under `existingSecret`). So every value
 * of the release that could be a secret is looked for, literally, in one pass over the text (Aho-Corasick).
 */

/** Shorter values are mostly ordinary words (`cluedin`, `dev`); a password policy asks for at least this many. */
export const MIN_OWN_SECRET_LENGTH = 8;
/** A long value (a certificate, a key) is looked for in pieces: each piece that appears is redacted. */
const PIECE_CHARS = 256;
/** Bounds the matcher's size for any values file (Helm's release Secret is at most 1 MiB anyway). */
const MAX_PATTERN_CHARS = 4 * 1024 * 1024;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
/** `2024.12.02`, `4.5.0`, `v1.30.6`, `2.5.0-beta.1`: release tags and versions, not secrets. */
const VERSION = /^v?\d+(?:\.\d+)+(?:[-+][0-9a-z.-]{1,32})?$/i;
/** `key=value` parameters of connection strings (`;`) and query strings (`?`, `&`). */
const PARAMETER = /(?:^|[;?&])\s*[^=;?&\s]+\s*=([^;&]*)/g;
const WORD_VALUES = new Set(["true", "false", "null", "yes", "no", "on", "off"]);

/**
 * The rule: every string in the values tree, under any key, is a possible secret unless it is
 * shorter than {@link MIN_OWN_SECRET_LENGTH}, a plain number, a boolean word or a version. URLs are kept: a webhook
 * URL is a secret by its path alone. Multi-line values count line by line, long lines in pieces, and each
 * `key=value` parameter of a connection or query string counts on its own as well.
 */
export function ownSecretValues(values: unknown): string[] {
  const found = new Set<string>();
  const consider = (text: string, parts = true): void => {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line.length < MIN_OWN_SECRET_LENGTH || NUMBER.test(line) || VERSION.test(line)) continue;
      if (WORD_VALUES.has(line.toLowerCase())) continue;
      // A connection or query string may be echoed a parameter at a time: `Password=...` alone.
      if (parts)
        for (const [, value = ""] of line.matchAll(PARAMETER)) consider(value.replace(/^["']|["']$/g, ""), false);
      for (let at = 0; at < line.length; at += PIECE_CHARS) {
        const piece = line.slice(at, at + PIECE_CHARS);
        found.add(piece.length >= MIN_OWN_SECRET_LENGTH ? piece : line.slice(-MIN_OWN_SECRET_LENGTH));
      }
    }
  };
  const stack: unknown[] = [values];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string") consider(node);
    else if (Array.isArray(node)) for (const item of node as unknown[]) stack.push(item);
    else if (node !== null && typeof node === "object") for (const child of Object.values(node)) stack.push(child);
  }
  return [...found];
}

interface TrieNode {
  next: Map<number, number>;
  fail: number;
  /** The longest pattern that ends here, own or through the failure links; 0 for none. */
  longest: number;
}

/**
 * Finds every occurrence of any of `patterns` in linear time; `ranges` answers the merged [start, end) spans that
 * occurrences cover. Built once per call site, used for every text of that call.
 */
export class LiteralMatcher {
  private readonly nodes: TrieNode[] = [{ next: new Map(), fail: 0, longest: 0 }];

  constructor(patterns: Iterable<string>) {
    let budget = MAX_PATTERN_CHARS;
    for (const pattern of patterns) {
      if (pattern === "" || pattern.length > budget) continue;
      budget -= pattern.length;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        const node = this.nodes[state]!;
        let child = node.next.get(code);
        if (child === undefined) {
          child = this.nodes.length;
          this.nodes.push({ next: new Map(), fail: 0, longest: 0 });
          node.next.set(code, child);
        }
        state = child;
      }
      const end = this.nodes[state]!;
      end.longest = Math.max(end.longest, pattern.length);
    }
    const queue: number[] = [...this.nodes[0]!.next.values()];
    for (let head = 0; head < queue.length; head++) {
      const node = this.nodes[queue[head]!]!;
      for (const [code, child] of node.next) {
        let fail = node.fail;
        while (fail !== 0 && !this.nodes[fail]!.next.has(code)) fail = this.nodes[fail]!.fail;
        const target = this.nodes[fail]!.next.get(code);
        const childNode = this.nodes[child]!;
        childNode.fail = target !== undefined && target !== child ? target : 0;
        childNode.longest = Math.max(childNode.longest, this.nodes[childNode.fail]!.longest);
        queue.push(child);
      }
    }
  }

  get empty(): boolean {
    return this.nodes.length === 1;
  }

  ranges(text: string): [number, number][] {
    const spans: [number, number][] = [];
    if (this.empty) return spans;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      while (state !== 0 && !this.nodes[state]!.next.has(code)) state = this.nodes[state]!.fail;
      state = this.nodes[state]!.next.get(code) ?? 0;
      const longest = this.nodes[state]!.longest;
      if (longest === 0) continue;
      let start = i + 1 - longest;
      for (let last = spans.at(-1); last && start <= last[1]; last = spans.at(-1)) {
        start = Math.min(start, last[0]);
        spans.pop();
      }
      spans.push([start, i + 1]);
    }
    return spans;
  }

  /** `text` with every covered span replaced by `replacement`. */
  replace(text: string, replacement: string): string {
    const spans = this.ranges(text);
    if (spans.length === 0) return text;
    let out = "";
    let from = 0;
    for (const [start, end] of spans) {
      out += text.slice(from, start) + replacement;
      from = end;
    }
    return out + text.slice(from);
  }
}
