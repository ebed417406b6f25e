/**
 * Durable's HTTP APIs, served twice as the extension does: the RPC surface DurableClient calls (`/durabletask/...`,
 * loopback only) and the management webhooks (`/runtime/webhooks/durabletask/...`, system key required). Status
 * codes and payloads follow the extension's HttpApiHandler.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { errorMessage, httpStatusOf, LocalRuntimeError, type LocalRuntimeErrorCode } from "../errors.js";
import { isFinished, runtimeStatuses, type InstanceStatus, type RuntimeStatus } from "../instance.js";
import type { LocalRuntime } from "../runtime.js";

export interface ApiRequest {
  method: string;
  url: string;
  /** Path below the API base, e.g. `instances/abc/raiseEvent/approval`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const PAGE_SIZE_DEFAULT = 100;

export const errorBody = (code: string, message: string): { error: { code: string; message: string } } => ({
  error: { code, message },
});

function fail(code: LocalRuntimeErrorCode, message: string): never {
  throw new LocalRuntimeError(code, message);
}

function parseBoolean(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  return fail("bad-request", `Query parameter '${name}' must be true or false.`);
}

function parseDate(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time)
    ? fail("bad-request", `Query parameter '${name}' is not a date: '${value}'.`)
    : new Date(time);
}

function parseStatuses(query: URLSearchParams): RuntimeStatus[] | undefined {
  const values = query
    .getAll("runtimeStatus")
    .flatMap((v) => v.split(","))
    .filter(Boolean);
  if (values.length === 0) return undefined;
  for (const value of values) {
    if (!runtimeStatuses.includes(value as RuntimeStatus)) {
      fail("bad-request", `Unknown runtimeStatus '${value}'; use one of ${runtimeStatuses.join(", ")}.`);
    }
  }
  return values as RuntimeStatus[];
}

function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return fail("bad-request", "Invalid JSON content.");
  }
}

function decodeSegments(path: string): string[] {
  try {
    return path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return fail("bad-request", `Malformed path '${path}'.`);
  }
}

/** Constant-time comparison; hashing first hides the length too. */
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());

export class DurableApi {
  constructor(private readonly runtime: LocalRuntime) {}

  async handle(request: ApiRequest, options: { requireKey: boolean }): Promise<ApiResponse> {
    try {
      if (options.requireKey) this.authorize(request);
      return await this.route(request);
    } catch (error) {
      if (error instanceof LocalRuntimeError) {
        return { status: httpStatusOf[error.code], body: errorBody(error.code, error.message) };
      }
      return { status: 500, body: errorBody("internal", errorMessage(error)) };
    }
  }

  private authorize(request: ApiRequest): void {
    const key = request.query.get("code") ?? request.headers["x-functions-key"];
    if (typeof key !== "string" || !sameSecret(key, this.runtime.systemKey))
      fail("unauthorized", "A valid system key ('code' query parameter) is required.");
  }

  private async route(request: ApiRequest): Promise<ApiResponse> {
    const [collection, id, operation, eventName, ...extra] = decodeSegments(request.path);
    const method = request.method.toUpperCase();
    if (collection === "orchestrators" && id && !eventName && method === "POST") {
      return this.start(request, id, operation);
    }
    if (collection === "entities")
      return fail("not-implemented", "Durable entities are not supported by the local runtime.");
    if (collection !== "instances" || extra.length > 0)
      return fail("not-found", `No Durable API at '${request.path}'.`);
    if (id === undefined) {
      if (method === "GET") return this.list(request);
      if (method === "DELETE") return this.purgeWhere(request);
    } else if (operation === undefined) {
      if (method === "GET") return this.status(request, id);
      if (method === "DELETE") return this.purge(id);
    } else if (method === "POST") {
      if (operation.toLowerCase() === "raiseevent" && eventName) return this.raiseEvent(request, id, eventName);
      if (eventName === undefined) return this.operate(request, id, operation.toLowerCase());
    }
    return fail("not-found", `No Durable API for ${method} '${request.path}'.`);
  }

  private async start(request: ApiRequest, name: string, instanceId: string | undefined): Promise<ApiResponse> {
    const input = parseJsonBody(request.body);
    const id = await this.runtime.startNew(name, { ...(instanceId ? { instanceId } : {}), input });
    const timeoutSeconds = Number(request.query.get("timeout") ?? NaN);
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
      const intervalMs = Math.max(100, Number(request.query.get("pollingInterval") ?? 1) * 1000);
      const deadline = Date.now() + timeoutSeconds * 1000;
      for (;;) {
        const status = await this.runtime.getStatus(id);
        if (status && isFinished(status.runtimeStatus)) {
          return { status: 200, body: status.runtimeStatus === "Completed" ? status.output : status };
        }
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, deadline - Date.now())));
      }
    }
    return this.checkStatusResponse(id);
  }

  /** The extension's CreateCheckStatusResponse: 202, management URLs, Location, Retry-After. */
  private checkStatusResponse(instanceId: string): ApiResponse {
    const urls = this.runtime.clientData().managementUrls;
    const withId = (url: string | undefined): string =>
      (url ?? "").replace("INSTANCEID", encodeURIComponent(instanceId));
    const payload = {
      id: instanceId,
      statusQueryGetUri: withId(urls.statusQueryGetUri),
      sendEventPostUri: withId(urls.sendEventPostUri),
      terminatePostUri: withId(urls.terminatePostUri),
      purgeHistoryDeleteUri: withId(urls.purgeHistoryDeleteUri),
      restartPostUri: withId(urls.restartPostUri),
      suspendPostUri: withId(urls.suspendPostUri),
      resumePostUri: withId(urls.resumePostUri),
    };
    return { status: 202, headers: { location: payload.statusQueryGetUri, "retry-after": "10" }, body: payload };
  }

  private async status(request: ApiRequest, instanceId: string): Promise<ApiResponse> {
    const { query } = request;
    const status = await this.runtime.getStatus(instanceId, {
      showHistory: parseBoolean(query, "showHistory") ?? false,
      showHistoryOutput: parseBoolean(query, "showHistoryOutput") ?? false,
      showInput: parseBoolean(query, "showInput") ?? true,
    });
    if (!status) return fail("not-found", `No instance with ID '${instanceId}' found.`);
    if (!isFinished(status.runtimeStatus)) {
      return { status: 202, headers: { location: request.url, "retry-after": "5" }, body: status };
    }
    const failedAs500 = status.runtimeStatus === "Failed" && parseBoolean(query, "returnInternalServerErrorOnFailure");
    return { status: failedAs500 ? 500 : 200, body: status };
  }

  private async list(request: ApiRequest): Promise<ApiResponse> {
    const { query } = request;
    const top = query.get("top");
    const pageSize = top === null ? PAGE_SIZE_DEFAULT : Number(top);
    if (!Number.isInteger(pageSize) || pageSize < 1)
      fail("bad-request", "Query parameter 'top' must be a positive integer.");
    const token = request.headers["x-ms-continuation-token"];
    const decoded = typeof token === "string" && token !== "" ? Buffer.from(token, "base64url").toString() : "0";
    if (!/^\d+$/.test(decoded)) fail("bad-request", "Invalid x-ms-continuation-token.");
    const offset = Number(decoded);
    const createdTimeFrom = parseDate(query, "createdTimeFrom");
    const createdTimeTo = parseDate(query, "createdTimeTo");
    const runtimeStatus = parseStatuses(query);
    const instanceIdPrefix = query.get("instanceIdPrefix");
    const all = await this.runtime.list({
      ...(createdTimeFrom ? { createdTimeFrom } : {}),
      ...(createdTimeTo ? { createdTimeTo } : {}),
      ...(runtimeStatus ? { runtimeStatus } : {}),
      ...(instanceIdPrefix ? { instanceIdPrefix } : {}),
      showInput: parseBoolean(query, "showInput") ?? true,
    });
    const page: InstanceStatus[] = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? Buffer.from(String(offset + pageSize)).toString("base64url") : "";
    return { status: 200, headers: next ? { "x-ms-continuation-token": next } : {}, body: page };
  }

  private async purge(instanceId: string): Promise<ApiResponse> {
    await this.runtime.purge(instanceId);
    return { status: 200, body: { instancesDeleted: 1 } };
  }

  private async purgeWhere(request: ApiRequest): Promise<ApiResponse> {
    const createdTimeFrom = parseDate(request.query, "createdTimeFrom");
    if (!createdTimeFrom) return fail("bad-request", "Please provide value for 'createdTimeFrom' parameter.");
    const createdTimeTo = parseDate(request.query, "createdTimeTo");
    const runtimeStatus = parseStatuses(request.query);
    const candidates = await this.runtime.list({
      createdTimeFrom,
      ...(createdTimeTo ? { createdTimeTo } : {}),
      ...(runtimeStatus ? { runtimeStatus } : {}),
    });
    let deleted = 0;
    for (const status of candidates.filter((s) => isFinished(s.runtimeStatus))) {
      await this.runtime.purge(status.instanceId);
      deleted += 1;
    }
    if (deleted === 0) return fail("not-found", "No finished instances match the filter.");
    return { status: 200, body: { instancesDeleted: deleted } };
  }

  private async raiseEvent(request: ApiRequest, instanceId: string, eventName: string): Promise<ApiResponse> {
    const status = await this.runtime.getStatus(instanceId, { showInput: false });
    if (!status) return fail("not-found", `No instance with ID '${instanceId}' found.`);
    if (isFinished(status.runtimeStatus)) return fail("gone", `Instance '${instanceId}' is ${status.runtimeStatus}.`);
    const contentType = String(request.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim()
      .toLowerCase();
    if (contentType !== "application/json")
      return fail("bad-request", "Only application/json request content is supported.");
    const data = parseJsonBody(request.body);
    await this.runtime.raiseEvent(instanceId, eventName, data ?? null);
    return { status: 202 };
  }

  private async operate(request: ApiRequest, instanceId: string, operation: string): Promise<ApiResponse> {
    const status = await this.runtime.getStatus(instanceId, { showInput: false });
    if (!status) return fail("not-found", `No instance with ID '${instanceId}' found.`);
    if (operation === "terminate") {
      if (isFinished(status.runtimeStatus)) return fail("gone", `Instance '${instanceId}' is ${status.runtimeStatus}.`);
      await this.runtime.terminate(instanceId, request.query.get("reason") ?? "");
      return { status: 202 };
    }
    if (["suspend", "resume", "rewind", "restart"].includes(operation)) {
      return fail("not-implemented", `The local runtime does not support '${operation}'.`);
    }
    return fail("not-found", `Unknown instance operation '${operation}'.`);
  }
}
