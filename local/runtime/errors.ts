/** Why a runtime request was refused; the HTTP layer maps each code to one status. */
export type LocalRuntimeErrorCode =
  | "bad-request"
  | "unauthorized"
  | "not-found"
  | "conflict"
  | "gone"
  | "payload-too-large"
  | "not-implemented"
  | "already-exists";

export const httpStatusOf: Record<LocalRuntimeErrorCode, number> = {
  "bad-request": 400,
  unauthorized: 401,
  "not-found": 404,
  conflict: 409,
  gone: 410,
  "payload-too-large": 413,
  "not-implemented": 501,
  // The extension's HttpApiHandler catches only JsonReaderException around StartNewAsync: DTFx's "instance already
  // exists" escapes as an unhandled exception, HTTP 500 (HttpApiHandler.HandleStartOrchestratorRequestAsync).
  "already-exists": 500,
};

/** A request the runtime refuses (unknown instance, duplicate id, bad input); nothing was changed. */
export class LocalRuntimeError extends Error {
  constructor(
    readonly code: LocalRuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LocalRuntimeError";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
