import { rfc3339 } from "../core/format.js";
import { nameSuffix, uidFor } from "../core/hash.js";
import { isMap } from "../core/values.js";
import { jsonPatch, mergePatch } from "./patch.js";
import { apiVersionOf, resourceKey, type ResourceDef } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  unsupportedMediaType,
  type ApiFailure,
} from "./status.js";
import { TOP_LEVEL_FIELDS } from "./snapshots.js";
import type { KubeStore } from "./store.js";
import type { KubeObject } from "./types.js";

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

export interface LogOptions {
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: number;
  timestamps?: boolean;
  previous?: boolean;
  limitBytes?: number;
}

export interface KubeApiHooks {
  /** Brings derived objects (pods, deployments, ...) up to the current simulated time. */
  refresh(): void;
  now(): number;
  namespaces(): readonly string[];
  /** `via` names the writer (`kube-api`, `kubectl apply`, `helm`); `source` the manifest's URL, if any. */
  created(def: ResourceDef, object: KubeObject, via: string, source?: string): void;
  changed(def: ResourceDef, object: KubeObject, verb: "patch" | "update", via: string, source?: string): void;
  deleted(def: ResourceDef, object: KubeObject, via: string): void;
  podLog(namespace: string, name: string, options: LogOptions): ApiResult<string>;
  /** A workload's scale subresource: read it, or set `spec.replicas` from `body`. */
  scale?(def: ResourceDef, namespace: string, name: string, body?: unknown): ApiResult<KubeObject>;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];

const fail = (failure: ApiFailure): { ok: false; failure: ApiFailure } => ({ ok: false, failure });

/**
 * The API server's verbs over the store, shared by the HTTP front end and the simulated `kubectl`: selectors,
 * validation, optimistic concurrency, the status subresource, and read-only RBAC for everything not writable.
 */
export class KubeApi {
  constructor(
    private readonly store: KubeStore,
    private readonly hooks: KubeApiHooks,
    readonly user: string,
  ) {}

  list(
    def: ResourceDef,
    namespace: string | undefined,
    labelSelector?: string | null,
    fieldSelector?: string | null,
  ): ApiResult<{ items: KubeObject[]; resourceVersion: string }> {
    const labels = parseLabelSelector(labelSelector);
    if (!labels.ok) return fail(badRequest(labels.reason));
    const fields = parseFieldSelector(fieldSelector, def.fields);
    if (!fields.ok) return fail(badRequest(fields.reason));
    this.hooks.refresh();
    const items = this.store
      .list(resourceKey(def), def.namespaced ? namespace : undefined)
      .filter((o) => labels.matches(o.metadata.labels) && fields.matches(o));
    return { ok: true, value: { items, resourceVersion: this.store.resourceVersion() } };
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): ApiResult<KubeObject> {
    this.hooks.refresh();
    const object = this.store.get(resourceKey(def), def.namespaced ? namespace : undefined, name);
    return object ? { ok: true, value: object } : fail(notFound(def.plural, def.group, name));
  }

  create(
    def: ResourceDef,
    namespace: string | undefined,
    body: unknown,
    via: string,
    strict = false,
    source?: string,
  ): ApiResult<KubeObject> {
    if (!def.writable) return fail(forbidden(this.user, "create", def.plural, def.group, namespace));
    const checked = this.validate(def, namespace, body, strict);
    if (!checked.ok) return checked;
    const object = checked.value;
    if (namespace && !this.hooks.namespaces().includes(namespace)) return fail(notFound("namespaces", "", namespace));
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = `${object.metadata.generateName}${nameSuffix(`${object.metadata.generateName}/${this.hooks.now()}/${this.store.resourceVersion()}`, 5)}`;
    }
    this.hooks.refresh();
    const key = resourceKey(def);
    if (this.store.get(key, namespace, object.metadata.name))
      return fail(alreadyExists(def.plural, def.group, object.metadata.name));
    const now = this.hooks.now();
    object.metadata = {
      ...object.metadata,
      ...(namespace !== undefined ? { namespace } : {}),
      uid: uidFor(`${key}/${namespace ?? ""}/${object.metadata.name}/${now}/${this.store.resourceVersion()}`),
      creationTimestamp: rfc3339(now),
      generation: 1,
    };
    // A cluster-scoped object has no namespace, whatever the body said.
    if (namespace === undefined) delete object.metadata.namespace;
    delete object.status;
    const stored = this.store.put(key, object);
    this.hooks.created(def, stored, via, source);
    return { ok: true, value: this.store.get(key, namespace, stored.metadata.name) ?? stored };
  }

  replace(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: string,
    via = "kube-api",
  ): ApiResult<KubeObject> {
    if (!def.writable) return fail(forbidden(this.user, "update", def.plural, def.group, namespace, name));
    const existing = this.get(def, namespace, name);
    if (!existing.ok) return existing;
    const checked = this.validate(def, namespace, body, false);
    if (!checked.ok) return checked;
    const incoming = checked.value;
    if (incoming.metadata.name !== name) {
      return fail(
        badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`),
      );
    }
    const version = incoming.metadata.resourceVersion;
    if (version && version !== existing.value.metadata.resourceVersion)
      return fail(conflict(def.plural, def.group, name));
    return { ok: true, value: this.write(def, existing.value, incoming, "update", via, subresource) };
  }

  patch(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    contentType: string,
    subresource?: string,
    via = "kube-api",
    source?: string,
  ): ApiResult<KubeObject> {
    if (!def.writable) return fail(forbidden(this.user, "patch", def.plural, def.group, namespace, name));
    const type = contentType.split(";")[0]?.trim() ?? "";
    if (!PATCH_TYPES.includes(type)) return fail(unsupportedMediaType(PATCH_TYPES));
    const existing = this.get(def, namespace, name);
    if (!existing.ok) return existing;
    let patched: unknown;
    if (type === "application/json-patch+json") {
      const result = jsonPatch(existing.value, patch);
      if (!result.ok) return fail(invalid(def.kind, def.group, name, [{ field: "patch", message: result.reason }]));
      patched = result.value;
    } else {
      patched = mergePatch(existing.value, patch);
    }
    const checked = this.validate(def, namespace, patched, false);
    if (!checked.ok) return checked;
    return { ok: true, value: this.write(def, existing.value, checked.value, "patch", via, subresource, source) };
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, via = "kube-api"): ApiResult<KubeObject> {
    if (!def.writable) return fail(forbidden(this.user, "delete", def.plural, def.group, namespace, name));
    const existing = this.get(def, namespace, name);
    if (!existing.ok) return existing;
    const gone = this.store.remove(resourceKey(def), namespace, name) ?? existing.value;
    this.hooks.deleted(def, gone, via);
    return { ok: true, value: gone };
  }

  scale(def: ResourceDef, namespace: string | undefined, name: string, body?: unknown): ApiResult<KubeObject> {
    if (!this.hooks.scale || namespace === undefined) return fail(notFound(def.plural, def.group, name));
    this.hooks.refresh();
    return this.hooks.scale(def, namespace, name, body);
  }

  logs(namespace: string, name: string, options: LogOptions): ApiResult<string> {
    this.hooks.refresh();
    return this.hooks.podLog(namespace, name, options);
  }

  /** Writes the spec (main resource) or the status (status subresource) of `incoming` over `existing`. */
  private write(
    def: ResourceDef,
    existing: KubeObject,
    incoming: KubeObject,
    verb: "patch" | "update",
    via: string,
    subresource?: string,
    source?: string,
  ): KubeObject {
    const next = structuredClone(existing);
    if (subresource === "status") {
      next.status = incoming.status;
    } else {
      const specChanged = JSON.stringify(existing.spec) !== JSON.stringify(incoming.spec);
      next.spec = incoming.spec;
      const { labels, annotations } = incoming.metadata;
      if (labels !== undefined) next.metadata.labels = labels;
      else delete next.metadata.labels;
      if (annotations !== undefined) next.metadata.annotations = annotations;
      else delete next.metadata.annotations;
      if (specChanged) next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    const stored = this.store.put(resourceKey(def), next);
    if (subresource !== "status") this.hooks.changed(def, stored, verb, via, source);
    return stored;
  }

  private validate(
    def: ResourceDef,
    namespace: string | undefined,
    body: unknown,
    strict: boolean,
  ): ApiResult<KubeObject> {
    if (!isMap(body))
      return fail(
        badRequest(
          "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
        ),
      );
    const expected = apiVersionOf(def);
    if (typeof body.kind !== "string" || body.kind === "") {
      return fail(badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`));
    }
    if (body.apiVersion !== expected) {
      return fail(
        badRequest(
          `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
        ),
      );
    }
    if (body.kind !== def.kind) {
      return fail(badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${def.kind})`));
    }
    const metadata = isMap(body.metadata) ? body.metadata : {};
    const name = typeof metadata.name === "string" ? metadata.name : "";
    const generateName = typeof metadata.generateName === "string" ? metadata.generateName : "";
    if (typeof metadata.namespace === "string" && namespace !== undefined && metadata.namespace !== namespace) {
      return fail(badRequest("the namespace of the provided object does not match the namespace sent on the request"));
    }
    const causes: { field: string; message: string }[] = [];
    if (!name && !generateName)
      causes.push({ field: "metadata.name", message: "Required value: name or generateName is required" });
    if (name && (!DNS_SUBDOMAIN.test(name) || name.length > 253)) {
      causes.push({
        field: "metadata.name",
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      });
    }
    const spec = body.spec;
    const unknown: string[] = [];
    let cleanSpec: Record<string, unknown> | undefined;
    if (def.kind === "DataUpgrade") {
      if (!isMap(spec)) causes.push({ field: "spec", message: "Required value" });
      else {
        const toVersion = spec.toVersion;
        if (toVersion === undefined) causes.push({ field: "spec.toVersion", message: "Required value" });
        else if (typeof toVersion !== "string") {
          const type = Array.isArray(toVersion) ? "array" : Number.isInteger(toVersion) ? "integer" : typeof toVersion;
          causes.push({
            field: "spec.toVersion",
            message: `Invalid value: "${type}": spec.toVersion in body must be of type string: "${type}"`,
          });
        }
        unknown.push(
          ...Object.keys(spec)
            .filter((k) => k !== "toVersion")
            .map((k) => `spec.${k}`),
        );
        cleanSpec = typeof toVersion === "string" ? { toVersion } : {};
      }
    }
    const topLevel = TOP_LEVEL_FIELDS[def.kind] ?? [];
    const known = new Set(["apiVersion", "kind", "metadata", "spec", "status", ...topLevel]);
    unknown.push(...Object.keys(body).filter((k) => !known.has(k)));
    if (causes.length) return fail(invalid(def.kind, def.group, name || generateName, causes));
    if (strict && unknown.length) {
      return fail(badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`));
    }
    const object: KubeObject = {
      apiVersion: expected,
      kind: def.kind,
      metadata: {
        name,
        ...(generateName ? { generateName } : {}),
        ...(isMap(metadata.labels) ? { labels: metadata.labels as Record<string, string> } : {}),
        ...(isMap(metadata.annotations) ? { annotations: metadata.annotations as Record<string, string> } : {}),
        ...(typeof metadata.resourceVersion === "string" ? { resourceVersion: metadata.resourceVersion } : {}),
      },
      ...Object.fromEntries(topLevel.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])),
      ...(cleanSpec ? { spec: cleanSpec } : spec !== undefined ? { spec } : {}),
      ...(body.status !== undefined ? { status: body.status } : {}),
    };
    return { ok: true, value: object };
  }
}
