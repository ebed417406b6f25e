import { isMap } from "../core/values.js";

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export type JsonPatchResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** RFC 6902 JSON patch (add, replace, remove, test). */
export function jsonPatch(target: unknown, operations: unknown): JsonPatchResult {
  if (!Array.isArray(operations))
    return { ok: false, reason: "json: cannot unmarshal object into Go value of type jsonpatch.Patch" };
  let doc: unknown = structuredClone(target);
  for (const operation of operations as unknown[]) {
    if (!isMap(operation) || typeof operation.op !== "string" || typeof operation.path !== "string") {
      return { ok: false, reason: "Unexpected kind: <nil>" };
    }
    const parts = operation.path
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop();
    if (last === undefined) {
      if (operation.op === "replace" || operation.op === "add") doc = structuredClone(operation.value);
      continue;
    }
    let parent: unknown = doc;
    for (const part of parts) {
      parent = Array.isArray(parent) ? parent[Number(part)] : isMap(parent) ? parent[part] : undefined;
      if (parent === undefined) return { ok: false, reason: `doc is missing path: "${operation.path}": missing value` };
    }
    if (operation.op === "test") {
      const current: unknown = Array.isArray(parent)
        ? (parent as unknown[])[Number(last)]
        : isMap(parent)
          ? parent[last]
          : undefined;
      if (JSON.stringify(current) !== JSON.stringify(operation.value))
        return { ok: false, reason: `testing value ${operation.path} failed: test failed` };
      continue;
    }
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (operation.op === "remove") parent.splice(index, 1);
      else if (operation.op === "add") parent.splice(index, 0, structuredClone(operation.value));
      else if (operation.op === "replace") parent[index] = structuredClone(operation.value);
      else return { ok: false, reason: `Unexpected kind: ${operation.op}` };
    } else if (isMap(parent)) {
      if (operation.op === "remove" || operation.op === "replace") {
        if (!(last in parent))
          return {
            ok: false,
            reason: `${operation.op} operation does not apply: doc is missing key: ${operation.path}: missing value`,
          };
      }
      if (operation.op === "remove") delete parent[last];
      else if (operation.op === "add" || operation.op === "replace") parent[last] = structuredClone(operation.value);
      else return { ok: false, reason: `Unexpected kind: ${operation.op}` };
    } else {
      return { ok: false, reason: `doc is missing path: "${operation.path}": missing value` };
    }
  }
  return { ok: true, value: doc };
}
