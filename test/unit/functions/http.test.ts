import azf from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ClusterApiError } from "../../../lib/clients/errors.js";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  GoneError,
  InputError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnknownClusterError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from "../../../lib/errors.js";
import { UnknownClusterError as ServicesUnknownClusterError } from "../../../lib/services.js";
import {
  clientAddress,
  clientPrincipal,
  errorAnswer,
  jsonResponse,
  jsonRoute,
  parseInput,
  parseJsonBody,
  requireOperator,
} from "../../../functions/http.js";

const principalHeader = (name: string, id = "0000-1") =>
  Buffer.from(JSON.stringify({ userId: id, userDetails: name, identityProvider: "aad" })).toString("base64");

const request = (init: { body?: string; headers?: Record<string, string> } = {}) =>
  new azf.HttpRequest({
    method: "POST",
    url: "http://localhost/api/upgrades",
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
  });

/** An invocation context whose log lines are kept. */
function context(): { context: InstanceType<typeof azf.InvocationContext>; logged: string[] } {
  const logged: string[] = [];
  const context = new azf.InvocationContext({
    invocationId: "inv-42",
    logHandler: (level, ...args) => logged.push(`${level}: ${args.map(String).join(" ")}`),
  });
  return { context, logged };
}

/** The status and body an error is answered with. */
function answer(error: unknown): { status: number | undefined; body: unknown; logged: string[] } {
  const { context: ctx, logged } = context();
  const response = errorAnswer(error, ctx);
  return { status: response.status, body: response.jsonBody, logged };
}

/** The answer a thrown error gets, for the checks that throw. */
async function refusal(run: () => unknown): Promise<HttpResponseInit> {
  try {
    await run();
  } catch (error) {
    return errorAnswer(error, context().context);
  }
  throw new Error("expected a refusal");
}

/** App Service authentication on: the platform set the principal header. */
const SIGNED_IN = { platformAuth: true };

const codeOf = (response: HttpResponseInit): string => (response.jsonBody as { error: { code: string } }).error.code;

describe("requireOperator", () => {
  it("lets everyone through when no allow-list is configured", () => {
    expect(() => requireOperator(request(), [], SIGNED_IN)).not.toThrow();
  });

  it("asks for a principal, refuses one not on the list, admits one on it (by name or id)", async () => {
    expect((await refusal(() => requireOperator(request(), ["ops@contoso.example"], SIGNED_IN))).status).toBe(401);
    expect(
      (
        await refusal(() =>
          requireOperator(
            request({ headers: { "x-ms-client-principal": principalHeader("eve@contoso.example") } }),
            ["ops@contoso.example"],
            SIGNED_IN,
          ),
        )
      ).status,
    ).toBe(403);
    expect(() =>
      requireOperator(
        request({ headers: { "x-ms-client-principal": principalHeader("Ops@Contoso.example") } }),
        ["ops@contoso.example"],
        SIGNED_IN,
      ),
    ).not.toThrow();
    expect(() =>
      requireOperator(
        request({ headers: { "x-ms-client-principal": principalHeader("x", "abc-123") } }),
        ["abc-123"],
        SIGNED_IN,
      ),
    ).not.toThrow();
  });

  it("refuses with the contract's codes", async () => {
    const none = await refusal(() => requireOperator(request(), ["ops@contoso.example"], SIGNED_IN));
    expect(codeOf(none)).toBe("unauthenticated");
    const other = await refusal(() =>
      requireOperator(
        request({ headers: { "x-ms-client-principal": principalHeader("eve@contoso.example") } }),
        ["ops@contoso.example"],
        SIGNED_IN,
      ),
    );
    expect(codeOf(other)).toBe("forbidden");
  });

  it("without App Service authentication, a principal header is the caller's own words: never believed", async () => {
    const forged = { "x-ms-client-principal": principalHeader("ops@contoso.example") };
    expect(clientPrincipal(request({ headers: forged }), { platformAuth: false })).toBeUndefined();
    const refused = await refusal(() =>
      requireOperator(request({ headers: forged }), ["ops@contoso.example"], { platformAuth: false }),
    );
    expect(refused.status).toBe(401);
  });

  it("ignores a malformed principal header", () => {
    expect(
      clientPrincipal(request({ headers: { "x-ms-client-principal": "not base64 json" } }), SIGNED_IN),
    ).toBeUndefined();
  });
});

describe("parseJsonBody", () => {
  const schema = z.strictObject({ cluster: z.string() });
  it.each([
    ["invalid JSON", "{", 400, "invalid-json"],
    ["unknown keys", '{"cluster":"demo","__proto__":{"admin":true}}', 400, "invalid-request"],
    ["wrong type", '{"cluster":42}', 400, "invalid-request"],
  ])("refuses %s with a machine-readable error", async (_name, body, status, code) => {
    const refused = await refusal(() =>
      parseJsonBody(request({ body, headers: { "content-type": "application/json" } }), schema),
    );
    expect(refused.status).toBe(status);
    expect(codeOf(refused)).toBe(code);
  });

  it("refuses a body that is not JSON by content type, and one that is too large", async () => {
    const text = await refusal(() =>
      parseJsonBody(request({ body: "a=b", headers: { "content-type": "text/plain" } }), schema),
    );
    expect(text.status).toBe(415);
    const big = await refusal(() =>
      parseJsonBody(
        request({
          body: JSON.stringify({ cluster: "x".repeat(1_100_000) }),
          headers: { "content-type": "application/json" },
        }),
        schema,
      ),
    );
    expect(big.status).toBe(413);
  });

  it("answers a schema mismatch with the schema's issues as details, nothing of the input echoed", async () => {
    const refused = await refusal(() =>
      parseJsonBody(request({ body: '{"cluster":42}', headers: { "content-type": "application/json" } }), schema),
    );
    expect(refused.jsonBody).toEqual({
      error: {
        code: "invalid-request",
        message: "the request does not match the schema",
        details: [{ path: "cluster", message: expect.any(String) }],
      },
    });
  });

  it("accepts a valid body", async () => {
    expect(
      await parseJsonBody(
        request({ body: '{"cluster":"demo"}', headers: { "content-type": "application/json" } }),
        schema,
      ),
    ).toEqual({ cluster: "demo" });
  });
});

describe("parseInput", () => {
  it("returns the parsed value or throws an InputError with the given code and the issues", () => {
    const schema = z.strictObject({ format: z.enum(["json", "md"]).optional() });
    expect(parseInput(schema, { format: "md" }, "invalid-query", "format must be json or md")).toEqual({
      format: "md",
    });
    expect(() => parseInput(schema, { format: "pdf" }, "invalid-query", "format must be json or md")).toThrow(
      expect.objectContaining({ name: "InputError", status: 400, code: "invalid-query", details: [expect.anything()] }),
    );
  });
});

describe("the error family", () => {
  it.each([
    [InputError, 400, "invalid-request"],
    [UnauthenticatedError, 401, "unauthenticated"],
    [ForbiddenError, 403, "forbidden"],
    [NotFoundError, 404, "not-found"],
    [ConflictError, 409, "conflict"],
    [GoneError, 410, "gone"],
    [PayloadTooLargeError, 413, "body-too-large"],
    [UnsupportedMediaTypeError, 415, "unsupported-media-type"],
    [UpstreamError, 502, "upstream-unavailable"],
  ] as const)("%o answers %i with its default code %s, or the code it is given", (Class, status, code) => {
    const plain = new Class("plain");
    expect(plain).toBeInstanceOf(DomainError);
    expect(plain).toBeInstanceOf(Error);
    expect(plain.name).toBe(Class.name);
    expect(answer(plain)).toEqual({
      status,
      body: { error: { code, message: "plain" } },
      logged: [],
    });
    const cause = new Error("underneath");
    const specific = new Class("specific", { code: "some-code", details: { known: ["a"] }, cause });
    expect(specific.cause).toBe(cause);
    expect(answer(specific)).toEqual({
      status,
      body: { error: { code: "some-code", message: "specific", details: { known: ["a"] } } },
      logged: [],
    });
  });

  it("an unknown cluster is a 404 unknown-cluster, from lib/errors.ts and lib/services.ts alike", () => {
    expect(ServicesUnknownClusterError).toBe(UnknownClusterError);
    const error = new UnknownClusterError("nowhere");
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.name).toBe("UnknownClusterError");
    expect(error.cluster).toBe("nowhere");
    expect(answer(error)).toEqual({
      status: 404,
      body: { error: { code: "unknown-cluster", message: "no cluster profile named 'nowhere'" } },
      logged: [],
    });
  });

  it("anything else is a 500 `internal` that keeps the message out of the answer and in the log", () => {
    const leaky = new Error("EACCES: open /home/site/secrets/signing.key");
    const { status, body, logged } = answer(leaky);
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: "internal", message: expect.stringContaining("inv-42") } });
    expect(JSON.stringify(body)).not.toContain("signing.key");
    expect(logged).toEqual([expect.stringMatching(/^error: unexpected error: .*EACCES: open \/home\/site\/secrets/)]);
  });

  it("an error carrying an upstream `status` of its own is still unexpected, and so is a thrown non-error", () => {
    const api = new ClusterApiError("list pods", { status: 404, transient: false });
    expect(answer(api).status).toBe(500);
    expect(JSON.stringify(answer(api).body)).not.toContain("list pods");
    expect(answer("a string").status).toBe(500);
  });
});

describe("jsonRoute", () => {
  it("passes the handler's success through and gives it the host's arguments but the context", async () => {
    const { context: ctx } = context();
    const seen: unknown[][] = [];
    const route = jsonRoute((req: InstanceType<typeof azf.HttpRequest>, client: { id: string }) => {
      seen.push([req, client]);
      return Promise.resolve(jsonResponse(202, { ok: true }));
    });
    const req = request();
    expect(await route(req, { id: "client" }, ctx)).toEqual(jsonResponse(202, { ok: true }));
    expect(seen).toEqual([[req, { id: "client" }]]);
  });

  it("answers what the handler throws, expected or not, and logs the unexpected through the context", async () => {
    const { context: ctx, logged } = context();
    const refused = jsonRoute(() => Promise.reject(new UnknownClusterError("x")));
    expect(await refused(request(), ctx)).toMatchObject({
      status: 404,
      jsonBody: { error: { code: "unknown-cluster" } },
      headers: { "cache-control": "no-store" },
    });
    const broken = jsonRoute(() => Promise.reject(new TypeError("cannot read properties of undefined (reading 'x')")));
    const reply = await broken(request(), ctx);
    expect(reply.status).toBe(500);
    expect(JSON.stringify(reply.jsonBody)).not.toContain("reading 'x'");
    expect(logged.join("\n")).toContain("reading 'x'");
  });
});

describe("clientAddress", () => {
  it("is the address App Service's front end writes in client-ip, and only behind App Service authentication", () => {
    const headers = { "client-ip": "203.0.113.7:50312", "x-forwarded-for": "198.51.100.1" };
    expect(clientAddress(request({ headers }), SIGNED_IN)).toBe("203.0.113.7");
    expect(clientAddress(request({ headers: { "client-ip": "[2001:db8::1]:443" } }), SIGNED_IN)).toBe("2001:db8::1");
    expect(clientAddress(request({ headers: { "client-ip": "2001:db8::1" } }), SIGNED_IN)).toBe("2001:db8::1");
    expect(clientAddress(request({ headers: { "x-forwarded-for": "198.51.100.1" } }), SIGNED_IN)).toBeUndefined();
    expect(clientAddress(request({ headers: { "client-ip": "<script>" } }), SIGNED_IN)).toBeUndefined();
    expect(clientAddress(request({ headers }), { platformAuth: false })).toBeUndefined();
  });
});
