/**
 * The app's HTTP triggers: ASP.NET-style route templates (`{id}`, `{id?}`, `{id:int}`, `{*rest}`) under the route
 * prefix, and the conversions between node:http and the `HttpRequest`/`HttpResponse` classes of @azure/functions.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import azureFunctions, { type Cookie } from "@azure/functions";
import type { RegisteredFunction } from "../registry.js";

const { HttpRequest, HttpResponse } = azureFunctions;

export interface AppRoute {
  fn: RegisteredFunction;
  template: string;
  methods: Set<string>;
  authLevel: string;
  pattern: RegExp;
  paramNames: string[];
  literalSegments: number;
  catchAll: boolean;
}

const constraintPatterns: Record<string, string> = {
  int: "-?\\d+",
  long: "-?\\d+",
  bool: "true|false",
  alpha: "[A-Za-z]+",
  guid: "[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function compileRoute(fn: RegisteredFunction): AppRoute {
  const template = (typeof fn.trigger.route === "string" ? fn.trigger.route : fn.name).replace(/^\/+|\/+$/g, "");
  const paramNames: string[] = [];
  let source = "^";
  let literalSegments = 0;
  let catchAll = false;
  for (const segment of template.split("/").filter(Boolean)) {
    let segmentSource = "";
    let last = 0;
    let optional = false;
    for (const match of segment.matchAll(/\{(\*?)([^}:?]+)((?::[^}?]*)?)(\??)\}/g)) {
      const [whole, star = "", name = "", constraint = "", question = ""] = match;
      segmentSource += escapeRegExp(segment.slice(last, match.index));
      const constraintName = constraint.slice(1).split(/[(:]/)[0] ?? "";
      segmentSource += star ? "(.*)" : `(${constraintPatterns[constraintName.toLowerCase()] ?? "[^/]+"})`;
      paramNames.push(name);
      optional ||= question === "?" || star === "*";
      catchAll ||= star === "*";
      last = match.index + whole.length;
    }
    if (last === 0) literalSegments += 1;
    segmentSource += escapeRegExp(segment.slice(last));
    source += optional ? `(?:/${segmentSource})?` : `/${segmentSource}`;
  }
  const methods = Array.isArray(fn.trigger.methods) ? (fn.trigger.methods as string[]) : ["GET", "POST"];
  return {
    fn,
    template,
    methods: new Set(methods.map((m) => m.toUpperCase())),
    authLevel: typeof fn.trigger.authLevel === "string" ? fn.trigger.authLevel : "anonymous",
    pattern: new RegExp(`${source}/?$`, "i"),
    paramNames,
    literalSegments,
    catchAll,
  };
}

/** Most specific first, as ASP.NET routing orders templates: literals beat parameters, catch-alls come last. */
export function orderRoutes(routes: AppRoute[]): AppRoute[] {
  return [...routes].sort(
    (a, b) =>
      Number(a.catchAll) - Number(b.catchAll) ||
      b.literalSegments - a.literalSegments ||
      a.paramNames.length - b.paramNames.length,
  );
}

export type RouteMatch =
  | { kind: "match"; route: AppRoute; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "malformed" }
  | { kind: "none" };

/** `path` is the request path after the route prefix, starting with "/" (or empty). */
export function matchRoute(routes: AppRoute[], method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (!route.methods.has(method.toUpperCase())) {
      allowed.push(...route.methods);
      continue;
    }
    const params: Record<string, string> = {};
    try {
      route.paramNames.forEach((name, index) => {
        const value = match[index + 1];
        if (value !== undefined && value !== "") params[name] = decodeURIComponent(value);
      });
    } catch {
      // The host answers a malformed percent-escape with 400 before any function runs.
      return { kind: "malformed" };
    }
    return { kind: "match", route, params };
  }
  return allowed.length > 0 ? { kind: "wrong-method", allowed: [...new Set(allowed)] } : { kind: "none" };
}

const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"]);

export function toHttpRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  params: Record<string, string>,
): InstanceType<typeof HttpRequest> {
  const flatHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) flatHeaders[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return new HttpRequest({
    method,
    url,
    headers: flatHeaders,
    params,
    ...(body.length > 0 ? { body: { bytes: new Uint8Array(body) } } : {}),
  });
}

function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push("Secure");
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}

/**
 * Writes a handler's result as the worker's toRpcHttp converts it: anything not an HttpResponse is an HttpResponseInit;
 * no result at all is an empty 204, anything but an object a 500.
 */
export async function writeHandlerResult(res: ServerResponse, result: unknown): Promise<void> {
  if (result === null || result === undefined || typeof result !== "object") {
    res.statusCode = result === null || result === undefined ? 204 : 500;
    res.end();
    return;
  }
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  const body = Buffer.from(await response.arrayBuffer());
  const setCookies = [...response.headers.getSetCookie(), ...response.cookies.map(serializeCookie)];
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  if (setCookies.length > 0) res.setHeader("set-cookie", setCookies);
  res.statusCode = response.status;
  res.end(body);
}
