/**
 * What every HTTP trigger shares: the one place errors become the DESIGN contract's error body (`jsonRoute`), body
 * parsing with limits and a schema, and the caller's identity. Triggers stay thin: validate, call, shape the answer;
 * for an expected failure they throw one of lib/errors.ts.
 */
import { isIP } from "node:net";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import {
  DomainError,
  ForbiddenError,
  InputError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from "../lib/errors.js";
import { redactText } from "../lib/redaction/index.js";

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Bodies larger than this are refused before parsing: values files are small, and parsing is not free. */
export const MAX_BODY_BYTES = 1024 * 1024;

function errorResponse(status: number, code: string, message: string, details?: unknown): HttpResponseInit {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return { status, jsonBody: body, headers: { "cache-control": "no-store" } };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "cache-control": "no-store", ...headers } };
}

/** Logs an error no route expected, secrets redacted; its message never goes into an answer. */
export function logUnexpected(error: unknown, context: Pick<InvocationContext, "error">): void {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  context.error(`unexpected error: ${redactText(text)}`);
}

/**
 * The answer to a thrown error: a DomainError answers its own status, code, message and details; anything else is
 * unexpected, logged with `context` and answered 500 without its message (it may name files, hosts or worse).
 */
export function errorAnswer(
  error: unknown,
  context: Pick<InvocationContext, "error" | "invocationId">,
): HttpResponseInit {
  if (error instanceof DomainError) return errorResponse(error.status, error.code, error.message, error.details);
  logUnexpected(error, context);
  return errorResponse(
    500,
    "internal",
    `the request failed unexpectedly; the app's log has the reason (invocation ${context.invocationId})`,
  );
}

/**
 * A JSON route: the handler returns its success or throws, and thrown errors are answered by `errorAnswer`. The
 * Functions host passes the invocation context last (`(request, context)`, `(request, client, context)`).
 */
export function jsonRoute<A extends [HttpRequest, ...unknown[]]>(
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: [...A, InvocationContext]) => Promise<HttpResponseInit> {
  return async (...args) => {
    const context = args[args.length - 1] as InvocationContext;
    try {
      return await handler(...(args.slice(0, -1) as A));
    } catch (error) {
      return errorAnswer(error, context);
    }
  };
}

/** Zod's issues as the `details` of a 400: path and message, nothing of the input echoed back. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/** `value` checked against `schema`; a mismatch is an InputError with `code`, `message` and the schema's issues. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, code: string, message: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InputError(message, { code, details: issuesOf(parsed.error) });
  return parsed.data;
}

const tooLarge = () => new PayloadTooLargeError(`the body must be at most ${MAX_BODY_BYTES} bytes`);

/** The request's JSON body checked against `schema`; throws InputError (400), PayloadTooLarge (413), 415. */
export async function parseJsonBody<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.output<S>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const type = request.headers.get("content-type") ?? "";
  // Exactly application/json (with parameters such as charset): not application/json-patch+json and its kin.
  if (type && !/^application\/json\s*(?:;|$)/i.test(type))
    throw new UnsupportedMediaTypeError("send the body as application/json");
  let text: string;
  try {
    text = await request.text();
  } catch (error) {
    throw new InputError("the request body could not be read", { code: "unreadable-body", cause: error });
  }
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError("the body is not valid JSON", { code: "invalid-json", cause: error });
  }
  return parseInput(schema, json, "invalid-request", "the request does not match the schema");
}

/**
 * What the app may believe about a caller, from its settings. App Service authentication sets
 * `x-ms-client-principal` and strips it from what callers send ("External requests aren't allowed to set these
 * headers, so they're present only if set by App Service": learn.microsoft.com/azure/app-service/
 * configure-authentication-user-identities); without it the header is whatever the caller wrote.
 */
export interface CallerTrust {
  /** APP_SERVICE_AUTH=required: App Service authentication signs every request in; its headers are the platform's. */
  platformAuth: boolean;
  /** Off App Service (WEBSITE_SITE_NAME unset): the local runtime on loopback, where a declared e-mail stands in. */
  local: boolean;
}

/** The principal App Service authentication puts in front of the app (Easy Auth), when there is one. */
export interface ClientPrincipal {
  id: string;
  name: string;
  provider: string;
}

/** The signed-in principal; undefined without one, and always undefined unless App Service authentication is on. */
export function clientPrincipal(
  request: HttpRequest,
  trust: Pick<CallerTrust, "platformAuth">,
): ClientPrincipal | undefined {
  if (!trust.platformAuth) return undefined;
  const header = request.headers.get("x-ms-client-principal");
  if (!header || header.length > 16_384) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as Record<string, unknown>;
    const id = typeof decoded.userId === "string" ? decoded.userId : undefined;
    const name = typeof decoded.userDetails === "string" ? decoded.userDetails : undefined;
    if (!id || !name) return undefined;
    return { id, name, provider: typeof decoded.identityProvider === "string" ? decoded.identityProvider : "unknown" };
  } catch {
    return undefined;
  }
}

/** `1.2.3.4:5678` or `[::1]:5678` as App Service writes it; the address alone. */
function addressOf(value: string): string | undefined {
  const bracketed = /^\[([0-9A-Fa-f:.]{2,45})\](?::\d{1,5})?$/.exec(value)?.[1];
  const candidate = bracketed ?? (isIP(value) ? value : /^([0-9.]{7,15}):\d{1,5}$/.exec(value)?.[1]);
  return candidate && isIP(candidate) ? candidate : undefined;
}

/**
 * The caller's address as the platform reports it; recorded with decisions, never trusted for access. Read only
 * behind App Service (with its authentication on), from `client-ip`, which App Service's front end sets and
 * overwrites so a caller cannot choose it (Azure/app-service-linux-docs, Things_You_Should_Know/headers.md).
 * `X-Forwarded-For` is not read: callers can send one and proxies append to it.
 */
export function clientAddress(request: HttpRequest, trust: Pick<CallerTrust, "platformAuth">): string | undefined {
  if (!trust.platformAuth) return undefined;
  const value = request.headers.get("client-ip")?.trim();
  return value && value.length <= 100 ? addressOf(value) : undefined;
}

/**
 * Start, cancel and plan: when an allow-list is configured, the caller's principal must be on it. Throws
 * UnauthenticatedError (401) without a principal, ForbiddenError (403) for one not on the list. Settings refuse a
 * list without App Service authentication; without it no principal is read here either.
 */
export function requireOperator(
  request: HttpRequest,
  allowed: readonly string[],
  trust: Pick<CallerTrust, "platformAuth">,
): void {
  if (allowed.length === 0) return;
  const principal = clientPrincipal(request, trust);
  if (!principal)
    throw new UnauthenticatedError("sign in: this route needs an authenticated principal from the allowed list");
  const known = [principal.name.toLowerCase(), principal.id.toLowerCase()];
  if (!allowed.some((a) => known.includes(a)))
    throw new ForbiddenError(`${principal.name} may not plan, start or cancel upgrades`);
}
