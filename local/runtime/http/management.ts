/**
 * Durable's HTTP APIs, served twice as the extension does: the RPC surface DurableClient calls (`/durabletask/...`,
 * loopback only) and the management webhooks (`/runtime/webhooks/durabletask/...`, system key required); one
 * handler serves both, as the extension's LocalHttpListener hands its requests to HttpApiHandler.HandleRequestAsync.
 * Status codes, bodies and query parsing follow src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs and
 * HttpRequestMessageExtensions.cs of azure-functions-durable-extension (v2.13.7, and the purge status check of
 * PR #3311, 2026); what the local runtime does not have (entities, suspend, resume, rewind, restart) is a 501.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { errorMessage, httpStatusOf, LocalRuntimeError, type LocalRuntimeErrorCode } from "../errors.js";
import { isFinished, type InstanceStatus } from "../instance.js";
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

/** OrchestrationStatusQueryCondition.PageSize's default (extension OrchestrationStatusQueryCondition.cs). */
const PAGE_SIZE_DEFAULT = 100;

export const errorBody = (code: string, message: string): { error: { code: string; message: string } } => ({
  error: { code, message },
});

function fail(code: LocalRuntimeErrorCode, message: string): never {
  throw new LocalRuntimeError(code, message);
}

/**
 * The extension's HttpRequestMessageExtensions: `CreateResponse(status)` has no body at all (404 and 410 of every
 * route), `CreateErrorResponse(status, message[, exception])` answers `{"Message", "ExceptionMessage", ...}`.
 */
const noContent = (status: number): ApiResponse => ({ status });
const hostError = (status: number, message: string, error?: unknown): ApiResponse => ({
  status,
  body: {
    Message: message,
    ...(error instanceof Error ? { ExceptionMessage: error.message, ExceptionType: error.name } : {}),
  },
});

/**
 * HttpRequestMessageExtensions.GetQueryNameValuePairs and NameValueCollection[name]: names match case-insensitively,
 * names and values are trimmed, and a repeated name reads as its values joined by commas.
 */
function queryValues(query: URLSearchParams, name: string): string[] {
  const wanted = name.toLowerCase();
  return [...query].filter(([key]) => key.trim().toLowerCase() === wanted).map(([, value]) => value.trim());
}

function queryValue(query: URLSearchParams, name: string): string | undefined {
  const values = queryValues(query, name);
  return values.length === 0 ? undefined : values.join(",");
}

/**
 * HttpApiHandler's query parsing is lenient throughout: each `TryGet...QueryParameterValue` is a .NET `TryParse`,
 * and a value that does not parse is the same as no value (the handler's default), never a 400.
 */
function tryBoolean(query: URLSearchParams, name: string): boolean | undefined {
  // bool.TryParse: "true"/"false" in any case, surrounding white space allowed.
  const value = queryValue(query, name)?.toLowerCase();
  return value === "true" ? true : value === "false" ? false : undefined;
}

function tryInt(query: URLSearchParams, name: string): number | undefined {
  // int.TryParse (NumberStyles.Integer): optional sign and digits, within Int32.
  const value = queryValue(query, name);
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= -2_147_483_648 && number <= 2_147_483_647 ? number : undefined;
}

function tryDate(query: URLSearchParams, name: string): Date | undefined {
  const value = queryValue(query, name);
  const time = value ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** OrchestrationRuntimeStatus (extension) and OrchestrationStatus (DurableTask.Core) by numeric value. */
const statusByValue: Record<string, string> = {
  "-1": "Unknown",
  "0": "Running",
  "1": "Completed",
  "2": "ContinuedAsNew",
  "3": "Failed",
  "4": "Canceled",
  "5": "Terminated",
  "6": "Pending",
  "7": "Suspended",
};
const statusNames = new Set(Object.values(statusByValue));

/**
 * TryGetIEnumerableQueryParameterValue: every value of the name, split at commas, each kept when `Enum.TryParse`
 * takes it (a member name, case-sensitive, or a number) and silently dropped otherwise; no value left is no filter.
 * An undefined number parses too and then matches no instance.
 */
function tryStatuses(query: URLSearchParams): Set<string> | undefined {
  const parsed = queryValues(query, "runtimeStatus")
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .flatMap((value) => {
      if (statusNames.has(value)) return [value];
      if (/^[+-]?\d+$/.test(value)) return [statusByValue[String(Number(value))] ?? `#${value}`];
      return [];
    });
  return parsed.length === 0 ? undefined : new Set(parsed);
}

/** JToken parsing of a request body; an empty body does not parse either (JToken.Load of nothing throws). */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error };
  }
}

/** WebUtility.UrlDecode never fails: a malformed escape stays as it is. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const same = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();
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
        // HttpApiHandler answers every 404 and 410 with CreateResponse(status): no body.
        if (error.code === "not-found" || error.code === "gone") return noContent(httpStatusOf[error.code]);
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

  /**
   * HttpApiHandler.HandleRequestAsync's routes (ASP.NET templates: literal segments match case-insensitively); a
   * path or method no route takes is a bare 404.
   */
  private async route(request: ApiRequest): Promise<ApiResponse> {
    const [collection, id, operation, eventName, ...extra] = request.path.split("/").filter(Boolean).map(decodeSegment);
    const method = request.method.toUpperCase();
    if (same(collection, "orchestrators") && id !== undefined && eventName === undefined) {
      return method === "POST" ? this.start(request, id, operation) : noContent(404);
    }
    if (same(collection, "entities"))
      return fail("not-implemented", "Durable entities are not supported by the local runtime.");
    if (!same(collection, "instances") || extra.length > 0) return noContent(404);
    if (id === undefined) {
      if (method === "GET") return this.list(request);
      if (method === "DELETE") return this.purgeWhere(request);
    } else if (operation === undefined) {
      if (method === "GET") return this.status(request, id);
      if (method === "DELETE") return this.purge(id);
    } else if (eventName === undefined) {
      if (method === "POST") return this.operate(request, id, operation.toLowerCase());
    } else if (same(operation, "raiseEvent") && method === "POST") {
      return this.raiseEvent(request, id, eventName);
    }
    return noContent(404);
  }

  private async start(request: ApiRequest, name: string, instanceId: string | undefined): Promise<ApiResponse> {
    // JsonConvert.DeserializeObject: no content or only white space is a null input.
    const text = request.body.toString("utf8");
    let input: unknown;
    if (text.trim() !== "") {
      const parsed = parseJson(text);
      if (!parsed.ok) return hostError(400, "Invalid JSON content", parsed.error);
      input = parsed.value;
    }
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

  /** HandleGetStatusRequestAsync(request, instanceId): flags default when absent or not a bool. */
  private async status(request: ApiRequest, instanceId: string): Promise<ApiResponse> {
    const { query } = request;
    const status = await this.runtime.getStatus(instanceId, {
      showHistory: tryBoolean(query, "showHistory") ?? false,
      showHistoryOutput: tryBoolean(query, "showHistoryOutput") ?? false,
      showInput: tryBoolean(query, "showInput") ?? true,
    });
    if (!status) return noContent(404);
    if (!isFinished(status.runtimeStatus)) {
      return { status: 202, headers: { location: request.url, "retry-after": "5" }, body: status };
    }
    const failedAs500 =
      status.runtimeStatus === "Failed" && (tryBoolean(query, "returnInternalServerErrorOnFailure") ?? false);
    return { status: failedAs500 ? 500 : 200, body: status };
  }

  /** HandleGetStatusRequestAsync(request): each filter applies only when its value parses. */
  private async list(request: ApiRequest): Promise<ApiResponse> {
    const { query } = request;
    const pageSize = tryInt(query, "top") ?? PAGE_SIZE_DEFAULT;
    if (pageSize < 1) fail("bad-request", "Query parameter 'top' must be a positive integer.");
    const token = request.headers["x-ms-continuation-token"];
    const decoded = typeof token === "string" && token !== "" ? Buffer.from(token, "base64url").toString() : "0";
    if (!/^\d+$/.test(decoded)) fail("bad-request", "Invalid x-ms-continuation-token.");
    const offset = Number(decoded);
    const createdTimeFrom = tryDate(query, "createdTimeFrom");
    const createdTimeTo = tryDate(query, "createdTimeTo");
    const runtimeStatus = tryStatuses(query);
    const instanceIdPrefix = queryValue(query, "instanceIdPrefix");
    const all = (
      await this.runtime.list({
        ...(createdTimeFrom ? { createdTimeFrom } : {}),
        ...(createdTimeTo ? { createdTimeTo } : {}),
        ...(instanceIdPrefix ? { instanceIdPrefix } : {}),
        showInput: tryBoolean(query, "showInput") ?? true,
      })
    ).filter((s) => !runtimeStatus || runtimeStatus.has(s.runtimeStatus));
    const page: InstanceStatus[] = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? Buffer.from(String(offset + pageSize)).toString("base64url") : "";
    return { status: 200, headers: next ? { "x-ms-continuation-token": next } : {}, body: page };
  }

  /**
   * HandleDeleteHistoryByIdRequestAsync: 404 for an unknown instance, 412 Precondition Failed (a JSON string) for
   * one that is not Completed, Failed, Terminated or Canceled, so a running orchestration is never purged. Ids
   * starting with '@' (entities) skip the check; there are none here, so nothing is deleted.
   */
  private async purge(instanceId: string): Promise<ApiResponse> {
    if (instanceId.startsWith("@")) return { status: 200, body: { instancesDeleted: 0 } };
    const status = await this.runtime.getStatus(instanceId, { showInput: false });
    if (!status) return noContent(404);
    if (!isFinished(status.runtimeStatus)) {
      return {
        status: 412,
        body:
          "Only orchestrations in a terminal state can be purged, but the orchestration with instance ID " +
          `${instanceId} has status ${status.runtimeStatus}`,
      };
    }
    await this.runtime.purge(instanceId);
    return { status: 200, body: { instancesDeleted: 1 } };
  }

  /**
   * HandleDeleteHistoryWithFiltersRequestAsync: `createdTimeFrom` must parse (else 400 with a JSON string),
   * `createdTimeTo` defaults to now, unparsable statuses are dropped; nothing deleted is a bare 404. Azure Storage
   * keeps only the terminal statuses of the list (AzureTableTrackingStore.PurgeInstanceHistoryAsync) and reads an
   * empty list as "any status"; here purging by filter never deletes an unfinished instance.
   */
  private async purgeWhere(request: ApiRequest): Promise<ApiResponse> {
    const createdTimeFrom = tryDate(request.query, "createdTimeFrom");
    if (!createdTimeFrom) return { status: 400, body: "Please provide value for 'createdTimeFrom' parameter." };
    const createdTimeTo = tryDate(request.query, "createdTimeTo") ?? new Date(this.runtime.clock.now());
    const terminal = [...(tryStatuses(request.query) ?? [])].filter((s) =>
      ["Completed", "Failed", "Terminated", "Canceled"].includes(s),
    );
    const candidates = await this.runtime.list({ createdTimeFrom, createdTimeTo });
    let deleted = 0;
    for (const status of candidates) {
      if (!isFinished(status.runtimeStatus)) continue;
      if (terminal.length > 0 && !terminal.includes(status.runtimeStatus)) continue;
      await this.runtime.purge(status.instanceId);
      deleted += 1;
    }
    if (deleted === 0) return noContent(404);
    return { status: 200, body: { instancesDeleted: deleted } };
  }

  /** HandleRaiseEventRequestAsync: 404 and 410 without a body, then 400s from CreateErrorResponse. */
  private async raiseEvent(request: ApiRequest, instanceId: string, eventName: string): Promise<ApiResponse> {
    const status = await this.runtime.getStatus(instanceId, { showInput: false });
    if (!status) return noContent(404);
    if (isFinished(status.runtimeStatus)) return noContent(410);
    const contentType = String(request.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim()
      .toLowerCase();
    if (contentType !== "application/json") return hostError(400, "Only application/json request content is supported");
    const parsed = parseJson(request.body.toString("utf8"));
    if (!parsed.ok) return hostError(400, "Invalid JSON content", parsed.error);
    await this.runtime.raiseEvent(instanceId, eventName, parsed.value);
    return { status: 202 };
  }

  private async operate(request: ApiRequest, instanceId: string, operation: string): Promise<ApiResponse> {
    if (operation === "terminate") {
      // HandleTerminateInstanceRequestAsync: 404, 410 (finished), else 202; none has a body.
      const status = await this.runtime.getStatus(instanceId, { showInput: false });
      if (!status) return noContent(404);
      if (isFinished(status.runtimeStatus)) return noContent(410);
      await this.runtime.terminate(instanceId, queryValue(request.query, "reason") ?? "");
      return { status: 202 };
    }
    if (["suspend", "resume", "rewind", "restart"].includes(operation)) {
      const status = await this.runtime.getStatus(instanceId, { showInput: false });
      if (!status) return noContent(404);
      return fail("not-implemented", `The local runtime does not support '${operation}'.`);
    }
    return noContent(404);
  }
}
