type Node =
  { kind: "text"; text: string } | { kind: "path"; path: string } | { kind: "range"; path: string; body: Node[] };

export type JsonPathResult = { ok: true; text: string } | { ok: false; reason: string };

/** The part of kubectl's JSONPath templates scripts use: `{.a.b}`, `[*]`, `[n]`, `[?(@.k=="v")]`, range/end. */
export function renderJsonPath(template: string, data: unknown): JsonPathResult {
  const parsed = parse(template);
  if (typeof parsed === "string") return { ok: false, reason: parsed };
  try {
    return { ok: true, text: render(parsed, data) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function parse(template: string): Node[] | string {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    const current = stack[stack.length - 1] ?? root;
    if (open === -1) {
      current.push({ kind: "text", text: template.slice(i) });
      break;
    }
    if (open > i) current.push({ kind: "text", text: template.slice(i, open) });
    const close = template.indexOf("}", open);
    if (close === -1) return `unclosed action`;
    const expr = template.slice(open + 1, close).trim();
    i = close + 1;
    if (expr.startsWith("range ")) {
      const node: Node = { kind: "range", path: expr.slice(6).trim(), body: [] };
      current.push(node);
      stack.push(node.body);
    } else if (expr === "end") {
      if (stack.length === 1) return "not in range, nothing to end";
      stack.pop();
    } else if (/^".*"$/.test(expr)) {
      current.push({ kind: "text", text: JSON.parse(expr) as string });
    } else {
      current.push({ kind: "path", path: expr });
    }
  }
  return root;
}

function render(nodes: Node[], data: unknown): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "path") out += evaluate(node.path, data).map(format).join(" ");
    else for (const item of evaluate(node.path, data)) out += render(node.body, item);
  }
  return out;
}

function format(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function evaluate(path: string, data: unknown): unknown[] {
  let current: unknown[] = [data];
  const tokens = path.replace(/^\$/, "").match(/\.\.?[^.[\]]+|\[[^\]]*\]\]?|\.(?=\[)/g) ?? [];
  for (const token of tokens) {
    if (token === ".") continue;
    const next: unknown[] = [];
    for (const value of current) {
      if (token.startsWith(".")) {
        const key = token.slice(1);
        if (typeof value === "object" && value !== null && !Array.isArray(value) && key in value)
          next.push((value as Record<string, unknown>)[key]);
        else if (current.length === 1 && !(typeof value === "object" && value !== null))
          throw new Error(`${key} is not found`);
      } else {
        const inner = token.slice(1, -1);
        const items: unknown[] = Array.isArray(value) ? (value as unknown[]) : [];
        if (inner === "*") {
          const all: unknown[] = Array.isArray(value)
            ? items
            : typeof value === "object" && value !== null
              ? Object.values(value)
              : [];
          next.push(...all);
        } else if (/^-?\d+$/.test(inner)) {
          const index = Number(inner);
          const item = items[index < 0 ? items.length + index : index];
          if (item !== undefined) next.push(item);
        } else if (inner.startsWith("?(")) {
          const filter = /^\?\(@\.([\w.]+)\s*(==|!=)\s*["']?([^"')]*)["']?\)$/.exec(inner);
          if (!filter) throw new Error(`unrecognized filter ${inner}`);
          for (const item of items) {
            const field = evaluate(`.${filter[1] ?? ""}`, item)[0];
            if ((String(field) === filter[3]) === (filter[2] === "==")) next.push(item);
          }
        } else if (/^'.*'$/.test(inner)) {
          const key = inner.slice(1, -1);
          if (typeof value === "object" && value !== null && key in value)
            next.push((value as Record<string, unknown>)[key]);
        }
      }
    }
    current = next;
  }
  return current;
}
