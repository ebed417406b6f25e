/**
 * The app's expected failures, as a small family of typed errors (after Backstage's `packages/errors`): each knows
 * its HTTP status and carries a stable, machine-readable `code` that clients may switch on, plus optional `details`
 * that are safe to show. Routes throw them; one place (functions/http.ts `jsonRoute`) turns them into answers.
 * Anything else thrown is unexpected and answers 500 without its message.
 */

export interface DomainErrorOptions {
  /** Stable and machine-readable (`unknown-cluster`, `upgrade-running`); defaults to the class's own code. */
  code?: string;
  /** Structured and safe to show the caller: schema issues, the conflicting run's id, the known releases. */
  details?: unknown;
  cause?: unknown;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  readonly code: string;
  readonly details: unknown;

  protected constructor(message: string, defaultCode: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? defaultCode;
    this.details = options.details;
  }
}

/** 400: the request is malformed or names something that cannot be used (a release not in the catalog). */
export class InputError extends DomainError {
  readonly status = 400;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "invalid-request", options);
    this.name = "InputError";
  }
}

/** 401: the route needs a signed-in principal and there is none. */
export class UnauthenticatedError extends DomainError {
  readonly status = 401;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "unauthenticated", options);
    this.name = "UnauthenticatedError";
  }
}

/** 403: the caller is known and may not do this. */
export class ForbiddenError extends DomainError {
  readonly status = 403;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "forbidden", options);
    this.name = "ForbiddenError";
  }
}

/** 404: no such thing (cluster profile, run). */
export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "not-found", options);
    this.name = "NotFoundError";
  }
}

/** 409: the request is valid but the state forbids it now (a run of that cluster is already going). */
export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "conflict", options);
    this.name = "ConflictError";
  }
}

/** 410: it existed and is gone for good (an approval link past its expiry). */
export class GoneError extends DomainError {
  readonly status = 410;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "gone", options);
    this.name = "GoneError";
  }
}

/** 413: the body is larger than the route accepts. */
export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "body-too-large", options);
    this.name = "PayloadTooLargeError";
  }
}

/** 415: the body is not of a type the route reads. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "unsupported-media-type", options);
    this.name = "UnsupportedMediaTypeError";
  }
}

/** 502: a system the answer depends on (the cluster's API) could not be reached or read. */
export class UpstreamError extends DomainError {
  readonly status = 502;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, "upstream-unavailable", options);
    this.name = "UpstreamError";
  }
}

/** A cluster name no profile in the cluster configuration has. */
export class UnknownClusterError extends NotFoundError {
  constructor(readonly cluster: string) {
    super(`no cluster profile named '${cluster}'`, { code: "unknown-cluster" });
    this.name = "UnknownClusterError";
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
