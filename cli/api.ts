/** The HTTP API as the command line uses it: JSON in and out, the function key when one is given. */
import type { ErrorBody } from "../functions/http.js";

export interface ApiOptions {
  url: string;
  key?: string;
  timeoutMs?: number;
}

export interface ApiReply<T> {
  status: number;
  body: T;
  text: string;
}

/** The API did not answer at all (refused, reset, timed out). */
export class ApiUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `cannot reach ${url}: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`,
      { cause },
    );
    this.name = "ApiUnreachableError";
  }
}

export class Api {
  constructor(private readonly options: ApiOptions) {}

  get base(): string {
    return this.options.url.replace(/\/+$/, "");
  }

  async request<T = unknown>(method: string, route: string, body?: unknown): Promise<ApiReply<T>> {
    const url = `${this.base}${route}`;
    const headers: Record<string, string> = { accept: "application/json, text/markdown;q=0.9" };
    if (this.options.key) headers["x-functions-key"] = this.options.key;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new ApiUnreachableError(this.base, error);
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // Left as text: the caller reports the status.
      }
    }
    return { status: response.status, body: parsed as T, text };
  }
}

/** The API's error message, or the status line when the answer is not the error body. */
export function errorText(reply: ApiReply<unknown>): string {
  const error = (reply.body as Partial<ErrorBody> | undefined)?.error;
  if (!error) return `HTTP ${reply.status}${reply.text ? `: ${reply.text.slice(0, 200)}` : ""}`;
  const details = error.details === undefined ? "" : ` ${JSON.stringify(error.details)}`;
  return `${error.message} (${error.code})${details}`;
}
