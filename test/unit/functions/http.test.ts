import azf from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { clientPrincipal, operatorRefusal, parseJsonBody } from "../../../functions/http.js";

const principalHeader = (name: string, id = "0000-1") =>
  Buffer.from(JSON.stringify({ userId: id, userDetails: name, identityProvider: "aad" })).toString("base64");

const request = (init: { body?: string; headers?: Record<string, string> } = {}) =>
  new azf.HttpRequest({
    method: "POST",
    url: "http://localhost/api/upgrades",
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
  });

describe("operatorRefusal", () => {
  it("lets everyone through when no allow-list is configured", () => {
    expect(operatorRefusal(request(), [])).toBeUndefined();
  });

  it("asks for a principal, refuses one not on the list, admits one on it (by name or id)", () => {
    expect(operatorRefusal(request(), ["ops@contoso.example"])?.status).toBe(401);
    expect(
      operatorRefusal(request({ headers: { "x-ms-client-principal": principalHeader("eve@contoso.example") } }), [
        "ops@contoso.example",
      ])?.status,
    ).toBe(403);
    expect(
      operatorRefusal(request({ headers: { "x-ms-client-principal": principalHeader("Ops@Contoso.example") } }), [
        "ops@contoso.example",
      ]),
    ).toBeUndefined();
    expect(
      operatorRefusal(request({ headers: { "x-ms-client-principal": principalHeader("x", "abc-123") } }), ["abc-123"]),
    ).toBeUndefined();
  });

  it("ignores a malformed principal header", () => {
    expect(clientPrincipal(request({ headers: { "x-ms-client-principal": "not base64 json" } }))).toBeUndefined();
  });
});

describe("parseJsonBody", () => {
  const schema = z.strictObject({ cluster: z.string() });
  it.each([
    ["invalid JSON", "{", 400, "invalid-json"],
    ["unknown keys", '{"cluster":"demo","__proto__":{"admin":true}}', 400, "invalid-request"],
    ["wrong type", '{"cluster":42}', 400, "invalid-request"],
  ])("refuses %s with a machine-readable error", async (_name, body, status, code) => {
    const parsed = await parseJsonBody(request({ body, headers: { "content-type": "application/json" } }), schema);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.response.status).toBe(status);
      expect((parsed.response.jsonBody as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it("refuses a body that is not JSON by content type, and one that is too large", async () => {
    const text = await parseJsonBody(request({ body: "a=b", headers: { "content-type": "text/plain" } }), schema);
    expect(!text.ok && text.response.status).toBe(415);
    const big = await parseJsonBody(
      request({
        body: JSON.stringify({ cluster: "x".repeat(1_100_000) }),
        headers: { "content-type": "application/json" },
      }),
      schema,
    );
    expect(!big.ok && big.response.status).toBe(413);
  });

  it("accepts a valid body", async () => {
    expect(
      await parseJsonBody(
        request({ body: '{"cluster":"demo"}', headers: { "content-type": "application/json" } }),
        schema,
      ),
    ).toEqual({ ok: true, value: { cluster: "demo" } });
  });
});
