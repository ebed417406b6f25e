/**
 * What every HTTP trigger shares: the error body of the DESIGN contract, body parsing with limits and a schema,
 * and the caller's identity. Triggers stay thin: validate, call, shape the answer.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { z } from "zod";

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Bodies larger than this are refused before parsing: values files are small, and parsing is not free. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function errorResponse(status: number, code: string, message: string, details?: unknown): HttpResponseInit {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return { status, jsonBody: body, headers: { "cache-control": "no-store" } };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "cache-control": "no-store", ...headers } };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: HttpResponseInit };

/** Zod's issues as the `details` of a 400: path and message, nothing of the input echoed back. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

export async function parseJsonBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
): Promise<Parsed<z.output<S>>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES)
    return {
      ok: false,
      response: errorResponse(413, "body-too-large", `the body must be at most ${MAX_BODY_BYTES} bytes`),
    };
  const type = request.headers.get("content-type") ?? "";
  if (type && !/^application\/json\b/i.test(type))
    return { ok: false, response: errorResponse(415, "unsupported-media-type", "send the body as application/json") };
  let text: string;
  try {
    text = await request.text();
  } catch {
    return { ok: false, response: errorResponse(400, "unreadable-body", "the request body could not be read") };
  }
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    return {
      ok: false,
      response: errorResponse(413, "body-too-large", `the body must be at most ${MAX_BODY_BYTES} bytes`),
    };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, response: errorResponse(400, "invalid-json", "the body is not valid JSON") };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      response: errorResponse(400, "invalid-request", "the request does not match the schema", issuesOf(parsed.error)),
    };
  return { ok: true, value: parsed.data };
}

/** The principal App Service authentication puts in front of the app (Easy Auth), when there is one. */
export interface ClientPrincipal {
  id: string;
  name: string;
  provider: string;
}

export function clientPrincipal(request: HttpRequest): ClientPrincipal | undefined {
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

/** The caller's address as the platform reports it; recorded with decisions, never trusted for access. */
export function clientAddress(request: HttpRequest): string | undefined {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded?.slice(0, 100) || undefined;
}

/** Start, cancel and plan: when an allow-list is configured, the caller's principal must be on it. */
export function operatorRefusal(request: HttpRequest, allowed: readonly string[]): HttpResponseInit | undefined {
  if (allowed.length === 0) return undefined;
  const principal = clientPrincipal(request);
  if (!principal)
    return errorResponse(
      401,
      "unauthenticated",
      "sign in: this route needs an authenticated principal from the allowed list",
    );
  const known = [principal.name.toLowerCase(), principal.id.toLowerCase()];
  return allowed.some((a) => known.includes(a))
    ? undefined
    : errorResponse(403, "forbidden", `${principal.name} may not plan, start or cancel upgrades`);
}
