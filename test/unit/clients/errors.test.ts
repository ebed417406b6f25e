import { describe, expect, it } from "vitest";
import {
  ClusterApiError,
  guarded,
  isTransientStatus,
  scrubSecrets,
  toClusterApiError,
} from "../../../lib/clients/errors.js";

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

class FakeApiException extends Error {
  constructor(
    public code: number,
    public body: string,
  ) {
    super(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${body}`);
    this.name = "ApiException";
  }
}

describe("isTransientStatus", () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
  ])("%d -> %s", (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient);
  });
});

describe("scrubSecrets", () => {
  it("removes bearer tokens and JWTs and flattens to one line", () => {
    expect(scrubSecrets(`Authorization: Bearer abc.def-ghi\nnext ${jwt} end`)).toBe(
      "Authorization: Bearer [redacted] next [redacted-token] end",
    );
  });

  it("caps long details", () => {
    expect(scrubSecrets("x".repeat(1000)).length).toBeLessThanOrEqual(301);
  });
});

describe("toClusterApiError", () => {
  it("names the operation and status of a Kubernetes ApiException, with the Status message", () => {
    const body = JSON.stringify({ kind: "Status", message: "too many requests, retry later", code: 429 });
    const error = toClusterApiError("list pods", new FakeApiException(429, body));
    expect(error).toBeInstanceOf(ClusterApiError);
    expect(error.name).toBe("ClusterApiError");
    expect(error.message).toBe("list pods failed: HTTP 429 (transient): too many requests, retry later");
    expect(error.transient).toBe(true);
    expect(error.status).toBe(429);
  });

  it("reads the statusCode of an Azure RestError", () => {
    const rest = Object.assign(new Error("The client does not have authorization"), {
      name: "RestError",
      statusCode: 403,
    });
    const error = toClusterApiError("AKS get cluster", rest);
    expect(error.message).toBe("AKS get cluster failed: HTTP 403: The client does not have authorization");
    expect(error.transient).toBe(false);
  });

  it.each([
    ["a connection reset", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "ECONNRESET"],
    ["a timeout", Object.assign(new Error("The operation was aborted."), { name: "AbortError" }), "timeout"],
    [
      "a reset wrapped as cause",
      new Error("request to https://x failed", { cause: Object.assign(new Error("read"), { code: "ECONNRESET" }) }),
      "ECONNRESET",
    ],
  ])("treats %s as transient", (_name, cause, code) => {
    const error = toClusterApiError("read log of pod x", cause);
    expect(error.transient).toBe(true);
    expect(error.message).toContain(`(transient): ${code}`);
  });

  it("keeps a sanitized cause, without the token a request carried", () => {
    const leaky = Object.assign(new Error(`failed with header Bearer ${jwt}`), {
      statusCode: 500,
      request: { headers: { authorization: `Bearer ${jwt}` } },
    });
    const error = toClusterApiError("AKS run command", leaky);
    expect(error.message).not.toContain(jwt);
    expect(error.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(error.cause)).not.toContain(jwt);
    expect(String((error.cause as Error).message)).not.toContain(jwt);
    expect(error.cause).not.toHaveProperty("request");
  });

  it("passes an existing ClusterApiError through", () => {
    const original = new ClusterApiError("x", { transient: false });
    expect(toClusterApiError("y", original)).toBe(original);
  });
});

describe("guarded", () => {
  it("returns the value or throws a ClusterApiError", async () => {
    await expect(guarded("op", () => Promise.resolve(1))).resolves.toBe(1);
    await expect(guarded("op", () => Promise.reject(new FakeApiException(503, "")))).rejects.toThrow(
      "op failed: HTTP 503 (transient)",
    );
  });
});
