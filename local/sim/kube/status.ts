/** A `Status` failure body as kube-apiserver writes it. */
export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason: string; message: string; field: string }[];
  };
  code: number;
}

export interface ApiFailure {
  code: number;
  body: StatusBody;
  headers?: Record<string, string>;
}

function failure(code: number, reason: string, message: string, details?: StatusBody["details"]): ApiFailure {
  return {
    code,
    body: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    },
  };
}

/** `pods "x" not found`, with group-qualified resource names for non-core groups (`dataupgrades.api.cluedin.com`). */
export function notFound(resource: string, group: string, name: string): ApiFailure {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(404, "NotFound", `${qualified} "${name}" not found`, { name, group, kind: resource });
}

export function noRoute(): ApiFailure {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

export function alreadyExists(resource: string, group: string, name: string): ApiFailure {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(409, "AlreadyExists", `${qualified} "${name}" already exists`, { name, group, kind: resource });
}

export function conflict(resource: string, group: string, name: string): ApiFailure {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { ...(name !== undefined ? { name } : {}), group, kind: resource },
  );
}

export function unauthorized(): ApiFailure {
  return failure(401, "Unauthorized", "Unauthorized");
}

export function forbidden(
  user: string,
  verb: string,
  resource: string,
  group: string,
  namespace?: string,
  name?: string,
): ApiFailure {
  const target = name ? `${resource} "${name}"` : resource;
  const scope = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
  return failure(
    403,
    "Forbidden",
    `${target} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}"${scope}`,
    { ...(name !== undefined ? { name } : {}), group, kind: resource },
  );
}

export function badRequest(message: string): ApiFailure {
  return failure(400, "BadRequest", message);
}

export function methodNotAllowed(): ApiFailure {
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
}

export function unsupportedMediaType(accepted: string[]): ApiFailure {
  return failure(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: { field: string; message: string }[],
): ApiFailure {
  const qualified = group ? `${kind}.${group}` : kind;
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return failure(422, "Invalid", `${qualified} "${name}" is invalid: ${text}`, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: "FieldValueInvalid", message: c.message, field: c.field })),
  });
}

export function gone(message: string): ApiFailure {
  return failure(410, "Expired", message);
}

export function internalError(message: string): ApiFailure {
  return failure(500, "InternalError", `Internal error occurred: ${message}`, {
    causes: [{ reason: "", message, field: "" }],
  });
}

export function tooManyRequests(retryAfterSeconds: number): ApiFailure {
  const result = failure(429, "TooManyRequests", "Too many requests, please try again later.", {});
  return { ...result, headers: { "Retry-After": String(retryAfterSeconds) } };
}

export function serviceUnavailable(): ApiFailure {
  return failure(503, "ServiceUnavailable", "the server is currently unable to handle the request", {});
}
