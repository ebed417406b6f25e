import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { hang } from "../core/fault-response.js";
import { readBody, send, sendJson } from "../core/http.js";
import type { World } from "../model/world.js";
import type { ApiResult, LogOptions } from "./api.js";
import { discoveryDocument } from "./discovery.js";
import { apiVersionOf, findResource, resourceKey, type ResourceDef } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import {
  badRequest,
  gone,
  internalError,
  methodNotAllowed,
  noRoute,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
  type ApiFailure,
} from "./status.js";
import { isCustomGroup } from "./snapshots.js";
import { toTable } from "./tables.js";
import type { KubeObject, WatchEventType } from "./types.js";

export interface KubeServerOptions {
  world: () => World;
  token: string;
}

interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const PUBLIC_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

function fail(res: ServerResponse, failure: ApiFailure): void {
  sendJson(res, failure.code, failure.body, failure.headers);
}

function parseRoute(path: string): Route | ApiFailure {
  let match = /^\/api\/v1\/(.+)$/.exec(path);
  let group = "";
  let version = "v1";
  let rest: string;
  if (match) rest = match[1] ?? "";
  else {
    match = /^\/apis\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (!match) return noRoute();
    group = match[1] ?? "";
    version = match[2] ?? "";
    rest = match[3] ?? "";
  }
  const segments = rest.split("/").map(decodeURIComponent);
  let namespace: string | undefined;
  if (segments[0] === "namespaces" && segments.length >= 3) {
    namespace = segments[1];
    segments.splice(0, 2);
  }
  const [plural = "", name, subresource, ...extra] = segments;
  const def = findResource(group, version, plural);
  if (!def || extra.length) return noRoute();
  if (namespace !== undefined && !def.namespaced) return noRoute();
  if (subresource !== undefined && !def.subresources.some((s) => s.name === subresource)) return noRoute();
  if (name !== undefined && def.namespaced && namespace === undefined) return noRoute();
  return {
    def,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

function wantsTable(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("as=Table");
}

function listKind(def: ResourceDef): string {
  return `${def.kind}List`;
}

/** Typed (built-in) lists carry items without kind/apiVersion, custom resources keep them, as the real server does. */
function listItem(def: ResourceDef, object: KubeObject): unknown {
  if (isCustomGroup(def.group)) return object;
  const { apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

async function parseBody(
  req: IncomingMessage,
): Promise<{ ok: true; body: unknown } | { ok: false; failure: ApiFailure }> {
  const raw = (await readBody(req)).toString("utf8");
  const type = req.headers["content-type"] ?? "application/json";
  try {
    if (type.includes("yaml")) return { ok: true, body: parseYaml(raw) as unknown };
    return { ok: true, body: JSON.parse(raw) as unknown };
  } catch (error) {
    return {
      ok: false,
      failure: badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`),
    };
  }
}

/** The simulated kube-apiserver: discovery, resources, Table printing, watches, pod logs, Status errors. */
export function createKubeHandler(options: KubeServerOptions): {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  closeStreams: () => void;
} {
  const streams = new Set<{ end: () => void; poll?: () => void }>();
  let poller: NodeJS.Timeout | undefined;
  const track = (stream: { end: () => void; poll?: () => void }): (() => void) => {
    streams.add(stream);
    if (!poller) {
      poller = setInterval(() => {
        options.world().sync();
        for (const s of streams) s.poll?.();
      }, 200);
      poller.unref();
    }
    return () => {
      streams.delete(stream);
      if (streams.size === 0 && poller) {
        clearInterval(poller);
        poller = undefined;
      }
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "https://localhost");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const world = options.world();
    if (PUBLIC_PATHS.has(path) && req.method === "GET") {
      if (path === "/version") sendJson(res, 200, discoveryDocument(path, world.scenario.cluster.kubernetesVersion));
      else send(res, 200, "ok", "text/plain");
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      fail(res, unauthorized());
      return;
    }
    world.sync();
    // kubectl asks for aggregated discovery first and accepts the legacy documents in reply (REFERENCE §4).
    const discovery =
      req.method === "GET" ? discoveryDocument(path, world.scenario.cluster.kubernetesVersion) : undefined;
    if (discovery !== undefined) {
      sendJson(res, 200, discovery);
      return;
    }
    const fault = world.faults.requestFault("kube", `${req.method ?? "GET"} ${path}`, world.now());
    if (fault) {
      if (fault.status === "timeout") hang(req, res, fault);
      else if (fault.status === 429) fail(res, tooManyRequests(fault.retryAfterSeconds));
      else if (fault.status === 500) fail(res, internalError("simulated fault: etcdserver: request timed out"));
      else
        fail(res, {
          ...serviceUnavailable(),
          code: fault.status,
          body: { ...serviceUnavailable().body, code: fault.status },
        });
      return;
    }
    const route = parseRoute(path);
    if ("code" in route) {
      fail(res, route);
      return;
    }
    const { def, namespace, name, subresource } = route;
    const api = world.kube;
    const reply = (result: ApiResult<KubeObject>, status = 200): void => {
      if (!result.ok) fail(res, result.failure);
      else if (wantsTable(req) && req.method === "GET")
        sendJson(res, 200, toTable(def, [result.value], world.now(), result.value.metadata.resourceVersion ?? ""));
      else sendJson(res, status, result.value);
    };
    if (subresource === "scale" && name !== undefined) {
      if (req.method === "GET") return reply(api.scale(def, namespace, name));
      if (req.method !== "PUT" && req.method !== "PATCH") return fail(res, methodNotAllowed());
      const body = await parseBody(req);
      if (!body.ok) return fail(res, body.failure);
      return reply(api.scale(def, namespace, name, body.body));
    }
    switch (req.method) {
      case "GET": {
        if (name === undefined) {
          const watch = url.searchParams.get("watch");
          if (watch === "true" || watch === "1") return startWatch(req, res, world, def, namespace, url, track);
          const result = api.list(
            def,
            namespace,
            url.searchParams.get("labelSelector"),
            url.searchParams.get("fieldSelector"),
          );
          if (!result.ok) return fail(res, result.failure);
          if (wantsTable(req)) {
            const include = (url.searchParams.get("includeObject") ?? "Metadata") as "None" | "Metadata" | "Object";
            return sendJson(
              res,
              200,
              toTable(def, result.value.items, world.now(), result.value.resourceVersion, include),
            );
          }
          return sendJson(res, 200, {
            kind: listKind(def),
            apiVersion: apiVersionOf(def),
            metadata: { resourceVersion: result.value.resourceVersion },
            items: result.value.items.map((o) => listItem(def, o)),
          });
        }
        if (subresource === "log") return podLog(req, res, world, namespace ?? "", name, url, track);
        if (subresource === "exec") return fail(res, badRequest("Upgrade request required"));
        return reply(api.get(def, namespace, name));
      }
      case "POST": {
        if (subresource === "exec") return fail(res, badRequest("Upgrade request required"));
        if (name !== undefined) return fail(res, methodNotAllowed());
        const body = await parseBody(req);
        if (!body.ok) return fail(res, body.failure);
        const strict = url.searchParams.get("fieldValidation") === "Strict";
        return reply(api.create(def, namespace, body.body, "kube-api", strict), 201);
      }
      case "PUT": {
        if (name === undefined) return fail(res, methodNotAllowed());
        const body = await parseBody(req);
        if (!body.ok) return fail(res, body.failure);
        return reply(api.replace(def, namespace, name, body.body, subresource));
      }
      case "PATCH": {
        if (name === undefined) return fail(res, methodNotAllowed());
        const body = await parseBody(req);
        if (!body.ok) return fail(res, body.failure);
        return reply(api.patch(def, namespace, name, body.body, req.headers["content-type"] ?? "", subresource));
      }
      case "DELETE": {
        if (name === undefined || subresource !== undefined) return fail(res, methodNotAllowed());
        const result = api.delete(def, namespace, name);
        if (!result.ok) return fail(res, result.failure);
        return sendJson(res, 200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, group: def.group, kind: def.plural, uid: result.value.metadata.uid },
        });
      }
      default:
        return fail(res, methodNotAllowed());
    }
  };

  return {
    handle,
    closeStreams: () => {
      for (const stream of [...streams]) stream.end();
    },
  };
}

function startWatch(
  req: IncomingMessage,
  res: ServerResponse,
  world: World,
  def: ResourceDef,
  namespace: string | undefined,
  url: URL,
  track: (stream: { end: () => void; poll?: () => void }) => () => void,
): void {
  const labels = parseLabelSelector(url.searchParams.get("labelSelector"));
  if (!labels.ok) return fail(res, badRequest(labels.reason));
  const fields = parseFieldSelector(url.searchParams.get("fieldSelector"), def.fields);
  if (!fields.ok) return fail(res, badRequest(fields.reason));
  const table = wantsTable(req);
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
  const write = (type: WatchEventType | "ERROR", object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const send = (type: WatchEventType, object: KubeObject): void => {
    write(type, table ? toTable(def, [object], world.now(), object.metadata.resourceVersion ?? "") : object);
  };
  const started = world.store.watch(
    {
      resource: resourceKey(def),
      ...(def.namespaced && namespace !== undefined ? { namespace } : {}),
      accepts: (o) => labels.matches(o.metadata.labels) && fields.matches(o),
      send,
    },
    url.searchParams.get("resourceVersion") ?? undefined,
  );
  if (!started.ok) {
    write(
      "ERROR",
      gone(`too old resource version: ${url.searchParams.get("resourceVersion") ?? ""} (${started.oldest})`).body,
    );
    res.end();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const end = (): void => {
    started.stop();
    untrack();
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const untrack = track({ end });
  const timeoutSeconds = Number(url.searchParams.get("timeoutSeconds") ?? 0);
  if (timeoutSeconds > 0) {
    timer = setTimeout(end, timeoutSeconds * 1000);
    timer.unref();
  }
  req.on("close", end);
}

function podLog(
  req: IncomingMessage,
  res: ServerResponse,
  world: World,
  namespace: string,
  name: string,
  url: URL,
  track: (stream: { end: () => void; poll?: () => void }) => () => void,
): void {
  const number = (key: string): number | undefined => {
    const value = url.searchParams.get(key);
    return value === null || value === "" ? undefined : Number(value);
  };
  const flag = (key: string): boolean => ["true", "1"].includes(url.searchParams.get(key) ?? "");
  const sinceTime = url.searchParams.get("sinceTime");
  const container = url.searchParams.get("container");
  const tailLines = number("tailLines");
  const sinceSeconds = number("sinceSeconds");
  const limitBytes = number("limitBytes");
  const options: LogOptions = {
    ...(container !== null ? { container } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTime ? { sinceTime: Date.parse(sinceTime) } : {}),
    timestamps: flag("timestamps"),
    previous: flag("previous"),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
  for (const key of ["tailLines", "sinceSeconds", "limitBytes"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      return fail(
        res,
        badRequest(`${key}: Invalid value: "${url.searchParams.get(key) ?? ""}": must be greater than or equal to 0`),
      );
    }
  }
  const first = world.kube.logs(namespace, name, options);
  if (!first.ok) return fail(res, first.failure);
  if (!flag("follow")) return send(res, 200, first.value, "text/plain");
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  res.write(first.value);
  const { tailLines: _tailLines, sinceSeconds: _sinceSeconds, sinceTime: _sinceTime, ...unbounded } = options;
  const full = world.kube.logs(namespace, name, unbounded);
  let sent = full.ok ? full.value.length : 0;
  const end = (): void => {
    untrack();
    if (!res.writableEnded) res.end();
  };
  const untrack = track({
    end,
    poll: () => {
      const now = world.kube.logs(namespace, name, unbounded);
      if (!now.ok) return end();
      if (now.value.length > sent) {
        res.write(now.value.slice(sent));
        sent = now.value.length;
      }
    },
  });
  req.on("close", end);
}
