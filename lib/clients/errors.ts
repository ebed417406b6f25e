/**
 * Errors the cluster clients throw for the unexpected: a failed API call, named by operation and HTTP status, with
 * a message that never carries a token (the orchestrator sees only `error.message`, and it lands in history).
 */

/** 408, 429 and 5xx: worth retrying later with the orchestration's retry policy. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const transientCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "REQUEST_SEND_ERROR",
]);

const maxDetailLength = 300;

/** Removes bearer tokens and JWTs, flattens to one line and caps the length. */
export function scrubSecrets(text: string): string {
  const flat = text
    .replace(/Bearer\s+[\w.~+/=-]+/gi, "Bearer [redacted]")
    .replace(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, "[redacted-token]")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > maxDetailLength ? `${flat.slice(0, maxDetailLength)}…` : flat;
}

export interface ClusterApiErrorInit {
  status?: number;
  transient: boolean;
  detail?: string;
  cause?: unknown;
}

export class ClusterApiError extends Error {
  readonly operation: string;
  readonly status: number | undefined;
  readonly transient: boolean;

  constructor(operation: string, init: ClusterApiErrorInit) {
    const status = init.status === undefined ? "" : `: HTTP ${init.status}`;
    const kind = init.transient ? " (transient)" : "";
    const detail = init.detail ? `: ${scrubSecrets(init.detail)}` : "";
    super(`${operation} failed${status}${kind}${detail}`, { cause: init.cause });
    this.name = "ClusterApiError";
    this.operation = operation;
    this.status = init.status;
    this.transient = init.transient;
  }
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  body?: unknown;
  cause?: unknown;
}

/** HTTP status of an SDK error: `code` on the Kubernetes client's ApiException, `statusCode` on Azure's RestError. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as ErrorLike;
  if (typeof e.statusCode === "number") return e.statusCode;
  if (typeof e.code === "number") return e.code;
  return undefined;
}

function networkCodeOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 4; depth++) {
    const { code, name, cause } = e as ErrorLike;
    if (typeof code === "string" && transientCodes.has(code)) return code;
    if (name === "AbortError" || name === "TimeoutError") return "timeout";
    e = cause;
  }
  return undefined;
}

/** The Kubernetes `Status.message` from an ApiException body, else the error's own message. */
function detailOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { body, message } = error as ErrorLike;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      // not JSON: fall through to the error message
    }
  }
  if (typeof message === "string") return message.split("\n")[0] ?? message;
  return "";
}

/** A copy of the SDK error that keeps its name and scrubbed message but none of its request (headers hold tokens). */
function sanitizedCause(error: unknown): Error {
  const copy = new Error(scrubSecrets(detailOf(error)));
  if (typeof error === "object" && error !== null && typeof (error as ErrorLike).name === "string") {
    copy.name = (error as ErrorLike).name as string;
  }
  return copy;
}

/** Wraps any failure of `operation` as a ClusterApiError, classifying it as transient or not. */
export function toClusterApiError(operation: string, error: unknown): ClusterApiError {
  if (error instanceof ClusterApiError) return error;
  const status = statusOf(error);
  const network = networkCodeOf(error);
  const transient = status === undefined ? network !== undefined : isTransientStatus(status);
  const detail = status === undefined && network ? `${network}: ${detailOf(error)}` : detailOf(error);
  return new ClusterApiError(operation, {
    ...(status !== undefined ? { status } : {}),
    transient,
    detail,
    cause: sanitizedCause(error),
  });
}

/** Runs `call`, turning any failure into a ClusterApiError for `operation`. */
export async function guarded<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toClusterApiError(operation, error);
  }
}
