import https from "node:https";
import type { AddressInfo } from "node:net";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AcsTransport, acsFailure, retryAfterMs } from "../../../lib/mail/acs.js";
import type { MailMessage } from "../../../lib/mail/types.js";
import { localhostCertificate, type TestCertificate } from "../clients/fixtures/tls.js";

/**
 * A tiny Azure Communication Services Email endpoint: `POST /emails:send` answers 202 with an Operation-Location,
 * `GET /emails/operations/{id}` reports the outcome. `mode` picks the behaviour under test.
 */
type Mode = "ok" | "throttled" | "bad-request" | "server-error" | "fails-later" | "never-finishes";

interface Recorded {
  method: string;
  path: string;
  /** As the request carried them: headers it did not send and an empty body are recorded as undefined. */
  authorization: string | undefined;
  operationId: string | undefined;
  body: unknown;
}

let certificate: TestCertificate;
let server: https.Server;
let endpoint: string;
let mode: Mode = "ok";
let requests: Recorded[] = [];

const credentialScopes: string[] = [];
const credential: TokenCredential = {
  getToken(scopes: string | string[]): Promise<AccessToken> {
    credentialScopes.push(...[scopes].flat());
    return Promise.resolve({ token: "acs-test-token", expiresOnTimestamp: Date.now() + 3_600_000 });
  },
};

const message: MailMessage = {
  to: ["ops@example.com"],
  cc: ["audit@example.com"],
  subject: "Upgrade of prod completed ✓",
  text: "Done.",
  html: "<p>Done.</p>",
  headers: { "X-CluedIn-Upgrade-Run": "run-42" },
};

function json(
  res: import("node:http").ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  certificate = await localhostCertificate();
  server = https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://fake");
      const operationId = req.headers["operation-id"] as string | undefined;
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        authorization: req.headers.authorization,
        operationId,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      if (req.method === "POST" && url.pathname === "/emails:send") {
        if (mode === "throttled")
          return json(res, 429, { error: { code: "TooManyRequests", message: "slow down" } }, { "retry-after": "7" });
        if (mode === "bad-request")
          return json(res, 400, { error: { code: "InvalidSender", message: "sender not verified" } });
        if (mode === "server-error")
          return json(res, 503, { error: { code: "ServiceUnavailable", message: "try later" } });
        const location = `${endpoint}/emails/operations/${operationId ?? "generated"}?api-version=2025-09-01`;
        return json(
          res,
          202,
          { id: operationId, status: "Running" },
          { "operation-location": location, "retry-after": "0" },
        );
      }
      const operation = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname)?.[1];
      if (req.method === "GET" && operation) {
        if (mode === "fails-later") {
          return json(res, 200, {
            id: operation,
            status: "Failed",
            error: { code: "EmailDroppedAllRecipientsSuppressed", message: "all recipients suppressed" },
          });
        }
        if (mode === "never-finishes")
          return json(res, 200, { id: operation, status: "Running" }, { "retry-after": "0" });
        return json(res, 200, { id: operation, status: "Succeeded" });
      }
      json(res, 404, { error: { code: "NotFound", message: `${req.method} ${url.pathname}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  mode = "ok";
});

function transport(options: { completionBudgetMs?: number } = {}): AcsTransport {
  return new AcsTransport({
    endpoint,
    credential,
    senderAddress: "DoNotReply@example.com",
    extraCaPem: certificate.cert,
    pollIntervalMs: 10,
    ...options,
  });
}

describe("AcsTransport against a local ACS endpoint", () => {
  it("sends the message with a managed-identity token and reports the operation id", async () => {
    const result = await transport().send(message);
    expect(result.ok).toBe(true);
    const post = requests.find((r) => r.method === "POST");
    expect(post?.authorization).toBe("Bearer acs-test-token");
    expect(credentialScopes).toContain("https://communication.azure.com//.default");
    expect(result).toEqual({ ok: true, messageId: post?.operationId });
    expect(post?.body).toEqual({
      senderAddress: "DoNotReply@example.com",
      recipients: { to: [{ address: "ops@example.com" }], cc: [{ address: "audit@example.com" }] },
      content: { subject: message.subject, plainText: "Done.", html: "<p>Done.</p>" },
      headers: { "X-CluedIn-Upgrade-Run": "run-42" },
    });
    expect(requests.some((r) => r.method === "GET" && r.path === `/emails/operations/${post?.operationId}`)).toBe(true);
  });

  it("returns a 429 as data with the wait ACS asked for, without retrying", async () => {
    mode = "throttled";
    const result = await transport().send(message);
    expect(result).toMatchObject({ ok: false, permanent: false, retryAfterMs: 7000 });
    expect(result.ok === false && result.reason).toContain("HTTP 429");
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("treats a refused request as permanent and server trouble as transient", async () => {
    mode = "bad-request";
    expect(await transport().send(message)).toMatchObject({ ok: false, permanent: true });
    mode = "server-error";
    expect(await transport().send(message)).toMatchObject({ ok: false, permanent: false });
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(2);
  });

  it("reports a send that ACS failed after accepting it as permanent", async () => {
    mode = "fails-later";
    const result = await transport().send(message);
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(result.ok === false && result.reason).toContain("all recipients suppressed");
  });

  it("counts a mail still in flight after the budget as accepted, so it is not sent twice", async () => {
    mode = "never-finishes";
    const result = await transport({ completionBudgetMs: 150 }).send(message);
    const post = requests.find((r) => r.method === "POST");
    expect(result).toEqual({ ok: true, messageId: post?.operationId });
  });

  it("refuses an invalid message without calling ACS", async () => {
    expect(await transport().send({ ...message, to: ["nobody"] })).toMatchObject({ ok: false, permanent: true });
    expect(requests).toEqual([]);
  });
});

describe("retry-after mapping", () => {
  const headers = (values: Record<string, string>): { get(name: string): string | undefined } => ({
    get: (name) => values[name],
  });
  const now = Date.UTC(2026, 0, 5, 9, 0, 0);

  it.each([
    [{ "retry-after": "7" }, 7000],
    [{ "retry-after-ms": "1500", "retry-after": "7" }, 1500],
    [{ "x-ms-retry-after-ms": "250" }, 250],
    [{ "retry-after": "Mon, 05 Jan 2026 09:00:30 GMT" }, 30_000],
    [{ "retry-after": "soon" }, undefined],
    [{}, undefined],
  ])("reads %j as %s ms", (values, expected) => {
    expect(retryAfterMs(headers(values), now)).toBe(expected);
  });

  it("treats network failures as transient", () => {
    expect(acsFailure(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), now)).toMatchObject({
      ok: false,
      permanent: false,
    });
  });
});
