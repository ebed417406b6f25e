import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeUi } from "../../../lib/clients/ui.js";
import { localhostCertificate, type TestCertificate } from "./fixtures/tls.js";

let certificate: TestCertificate;
let plain: http.Server;
let secure: https.Server;
let other: http.Server;
let plainUrl: string;
let secureUrl: string;
let otherUrl: string;
const hits: string[] = [];

function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
  hits.push(req.url ?? "");
  switch (req.url) {
    case "/":
      res.writeHead(200, { "content-type": "text/html" }).end("<html>CluedIn</html>");
      return;
    case "/relative":
      res.writeHead(302, { location: "/" }).end();
      return;
    case "/sso":
      res.writeHead(302, { location: `${otherUrl}/login` }).end();
      return;
    case "/loop":
      res.writeHead(302, { location: "/loop" }).end();
      return;
    case "/broken":
      res.writeHead(503).end("upstream down");
      return;
    case "/slow":
      setTimeout(() => res.writeHead(200).end("late"), 1500).unref();
      return;
    default:
      res.writeHead(404).end();
  }
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  certificate = await localhostCertificate();
  plain = http.createServer(routes);
  secure = https.createServer({ cert: certificate.cert, key: certificate.key }, routes);
  other = http.createServer((req, res) => {
    hits.push(`other${req.url ?? ""}`);
    res.writeHead(200).end("login");
  });
  plainUrl = `http://127.0.0.1:${await listen(plain)}`;
  secureUrl = `https://127.0.0.1:${await listen(secure)}`;
  otherUrl = `http://127.0.0.1:${await listen(other)}`;
});

afterAll(async () => {
  for (const server of [plain, secure, other]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe("probeUi", () => {
  it("answers ok with the status and time of a page that loads", async () => {
    const probe = await probeUi(`${plainUrl}/`);
    expect(probe).toMatchObject({ ok: true, status: 200 });
    expect(probe.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(probe.elapsedMs).toBeLessThan(5000);
  });

  it("trusts an extra CA for HTTPS, and only then", async () => {
    expect(await probeUi(`${secureUrl}/`, { extraCaPem: certificate.cert })).toMatchObject({ ok: true, status: 200 });
    const untrusted = await probeUi(`${secureUrl}/`);
    expect(untrusted.ok).toBe(false);
    expect(untrusted.error).toMatch(/certificate/i);
  });

  it("follows a redirect on the same host", async () => {
    expect(await probeUi(`${plainUrl}/relative`)).toMatchObject({ ok: true, status: 200 });
  });

  it("does not follow a redirect to another host, and counts it as the UI answering", async () => {
    hits.length = 0;
    expect(await probeUi(`${plainUrl}/sso`)).toMatchObject({ ok: true, status: 302 });
    expect(hits).toEqual(["/sso"]);
  });

  it("gives up on a redirect loop", async () => {
    expect(await probeUi(`${plainUrl}/loop`)).toMatchObject({ ok: false, status: 302, error: "too many redirects" });
  });

  it("reports a server error", async () => {
    expect(await probeUi(`${plainUrl}/broken`)).toMatchObject({ ok: false, status: 503 });
  });

  it("reports a page slower than the budget without waiting for it", async () => {
    const probe = await probeUi(`${plainUrl}/slow`, { budgetMs: 200 });
    expect(probe).toMatchObject({ ok: false, error: "no answer within 200 ms" });
    expect(probe.elapsedMs).toBeLessThan(1000);
  });

  it.each([
    ["a closed port", "http://127.0.0.1:1/"],
    ["a malformed URL", "not a url"],
    ["another scheme", "ftp://127.0.0.1/"],
  ])("never throws, even for %s", async (_name, url) => {
    const probe = await probeUi(url, { budgetMs: 1000 });
    expect(probe.ok).toBe(false);
    expect(probe.error).toBeTruthy();
  });
});
