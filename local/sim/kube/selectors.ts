type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export type Selector = (labels: Record<string, string> | undefined) => boolean;
export type SelectorResult = { ok: true; matches: Selector } | { ok: false; reason: string };

const LABEL_KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Parses a label selector (`a=b,c!=d,e in (x,y),!f`) as the API server does; errors carry its message. */
export function parseLabelSelector(text: string | null | undefined): SelectorResult {
  if (!text || text.trim() === "") return { ok: true, matches: () => true };
  const requirements: Requirement[] = [];
  for (const term of splitTerms(text)) {
    const parsed = parseRequirement(term.trim());
    if (typeof parsed === "string") return { ok: false, reason: `unable to parse requirement: ${parsed}` };
    requirements.push(parsed);
  }
  return { ok: true, matches: (labels) => requirements.every((r) => matches(r, labels ?? {})) };
}

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

function parseRequirement(term: string): Requirement | string {
  let match: RegExpExecArray | null;
  if ((match = /^!\s*(\S+)$/.exec(term))) return checkKey(match[1] ?? "", { key: match[1] ?? "", op: "!exists" });
  if ((match = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term))) {
    const values = (match[3] ?? "").split(",").map((v) => v.trim());
    const bad = values.find((v) => !LABEL_VALUE.test(v));
    if (bad !== undefined)
      return `values[0]: Invalid value: "${bad}": a valid label must be an empty string or consist of alphanumeric characters`;
    return checkKey(match[1] ?? "", { key: match[1] ?? "", op: match[2] === "in" ? "in" : "notin", values });
  }
  if ((match = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term))) {
    const value = match[3] ?? "";
    if (!LABEL_VALUE.test(value)) {
      return `values[0][${match[1] ?? ""}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
    }
    return checkKey(match[1] ?? "", { key: match[1] ?? "", op: match[2] === "!=" ? "!=" : "=", value });
  }
  if ((match = /^(\S+)$/.exec(term))) return checkKey(match[1] ?? "", { key: match[1] ?? "", op: "exists" });
  return `found '${term}', expected: !, identifier, or 'end of string'`;
}

function checkKey(key: string, requirement: Requirement): Requirement | string {
  return LABEL_KEY.test(key) && key.length <= 316
    ? requirement
    : `key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
}

function matches(requirement: Requirement, labels: Record<string, string>): boolean {
  const value = labels[requirement.key];
  switch (requirement.op) {
    case "=":
      return value === requirement.value;
    case "!=":
      return value !== requirement.value;
    case "in":
      return value !== undefined && requirement.values.includes(value);
    case "notin":
      return value === undefined || !requirement.values.includes(value);
    case "exists":
      return value !== undefined;
    case "!exists":
      return value === undefined;
  }
}

export type FieldGetter = (object: unknown) => string | undefined;
export type FieldSelectorResult = { ok: true; matches: (object: unknown) => boolean } | { ok: false; reason: string };

/** Parses a field selector against the fields a resource supports (`metadata.name`, `status.phase`, ...). */
export function parseFieldSelector(
  text: string | null | undefined,
  fields: Record<string, FieldGetter>,
): FieldSelectorResult {
  if (!text || text.trim() === "") return { ok: true, matches: () => true };
  const terms: { get: FieldGetter; negate: boolean; value: string }[] = [];
  for (const raw of text.split(",")) {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!match) return { ok: false, reason: `invalid selector: '${text}'; can't understand '${raw}'` };
    const field = match[1] ?? "";
    const get = fields[field];
    if (!get) return { ok: false, reason: `field label not supported: ${field}` };
    terms.push({ get, negate: match[2] === "!=", value: match[3] ?? "" });
  }
  return { ok: true, matches: (object) => terms.every((t) => (t.get(object) === t.value) !== t.negate) };
}
