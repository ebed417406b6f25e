/** Helm values as plain JSON-like trees, with the merge and `--set` rules Helm applies to user values. */
export type Values = Record<string, unknown>;

export function isMap(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function cloneValues<T>(value: T): T {
  return structuredClone(value);
}

/** Helm's mergeMaps for `-f` files: later maps win key by key, nested maps merge, anything else replaces. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/** Chart rendering view: user values over chart defaults, where a user `null` deletes the default (coalesce). */
export function coalesceValues(defaults: Values, user: Values): Values {
  const out: Values = { ...defaults };
  for (const [key, value] of Object.entries(user)) {
    const current = out[key];
    if (value === null) delete out[key];
    else out[key] = isMap(current) && isMap(value) ? coalesceValues(current, value) : value;
  }
  return out;
}

export function getPath(values: unknown, path: string): unknown {
  let node: unknown = values;
  for (const key of path.split(".")) {
    if (!isMap(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A scalar at `path` as the chart's templates print it (strings and numbers), else undefined. */
export function textAt(values: unknown, path: string): string | undefined {
  const value = getPath(values, path);
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

export type SetResult = { ok: true } | { ok: false; reason: string };

/**
 * Applies one `--set` / `--set-string` argument the way Helm's strvals parser does: comma-separated assignments,
 * dotted keys with `\.` escapes, `name[0]` list indexes, `{a,b}` lists, and typed scalars unless `asString`.
 */
export function applySet(target: Values, expression: string, asString: boolean): SetResult {
  for (const assignment of splitUnescaped(expression, ",", true)) {
    const eq = indexOfUnescaped(assignment, "=");
    if (eq === -1) return { ok: false, reason: `key "${unescape(assignment)}" has no value` };
    const key = assignment.slice(0, eq);
    const raw = assignment.slice(eq + 1);
    if (key === "") return { ok: false, reason: `key "" has no value` };
    const value =
      raw.startsWith("{") && raw.endsWith("}")
        ? splitUnescaped(raw.slice(1, -1), ",", false).map((item) => typedValue(unescape(item), asString))
        : typedValue(unescape(raw), asString);
    const placed = placeValue(target, parseKey(key), value);
    if (!placed.ok) return placed;
  }
  return { ok: true };
}

type KeyPart = { name: string; index?: number };

function parseKey(key: string): KeyPart[] {
  return splitUnescaped(key, ".", false).map((segment) => {
    const match = /^(.*)\[(\d+)\]$/.exec(segment);
    return match ? { name: unescape(match[1] ?? ""), index: Number(match[2]) } : { name: unescape(segment) };
  });
}

function placeValue(target: Values, parts: KeyPart[], value: unknown): SetResult {
  let node: Values = target;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (!part) break;
    const last = i === parts.length - 1;
    if (part.index === undefined) {
      if (last) {
        node[part.name] = value;
        return { ok: true };
      }
      const next = node[part.name];
      node = isMap(next) ? next : (node[part.name] = {});
      continue;
    }
    if (part.index > 65536) return { ok: false, reason: `index of ${part.index} is greater than maximum supported` };
    const list: unknown[] = Array.isArray(node[part.name]) ? (node[part.name] as unknown[]) : [];
    node[part.name] = list;
    while (list.length <= part.index) list.push(null);
    if (last) {
      list[part.index] = value;
      return { ok: true };
    }
    const element = list[part.index];
    node = isMap(element) ? element : (list[part.index] = {});
  }
  return { ok: true };
}

function typedValue(raw: string, asString: boolean): unknown {
  if (asString) return raw;
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  if (/^-?(0|[1-9]\d*)$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

function indexOfUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

/** Splits on `separator` outside backslash escapes (and, for top-level assignments, outside `{...}` lists). */
function splitUnescaped(text: string, separator: string, respectBraces: boolean): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\\") i++;
    else if (respectBraces && char === "{") depth++;
    else if (respectBraces && char === "}") depth = Math.max(0, depth - 1);
    else if (char === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}
