/**
 * The RPC surface (`/durabletask/...`) is the extension's loopback listener: the host binds it to 127.0.0.1 and
 * asks no key (azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/LocalHttpListener.cs, commit
 * a7c6d69: `http://127.0.0.1:{port}/durabletask/`). A browser on the same machine still reaches loopback, so a
 * cross-site form or a DNS-rebound page must be refused: a request a browser made (Origin, Sec-Fetch-Site) or one
 * addressed to another host name. The app's own durable client sends neither and still works.
 */
import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, startRuntime, type TestRuntime } from "./fixtures/harness.js";

const { orchestrators } = fixture;

let t: TestRuntime;
beforeEach(async () => {
  t = await startRuntime();
});
afterEach(async () => {
  await t.dispose();
});

/** A raw request, so the test decides the Host header (fetch does not let it). */
function post(path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, t.runtime.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: "POST", headers },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end("");
  });
}

describe("the durable RPC surface", () => {
  const terminate = (id: string): string => `/durabletask/instances/${id}/terminate?reason=forged`;

  async function waiting(id: string): Promise<void> {
    await t.runtime.startNew(orchestrators.waitForever, { instanceId: id });
    await t.runtime.whenIdle();
  }

  it.each([
    ["a cross-site form", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }],
    ["a cross-site fetch without Origin", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" }],
    ["any browser page (same-site)", { origin: "http://127.0.0.1:1", "sec-fetch-site": "same-site" }],
    ["a foreign Origin alone", { origin: "null" }],
    ["a DNS-rebound host name", { host: "evil.example" }],
    ["another port on loopback", { host: "127.0.0.1:1" }],
  ])("refuses %s: the run keeps waiting", async (_name, headers) => {
    await waiting("lock-demo");
    expect(await post(terminate("lock-demo"), headers)).toBe(403);
    await t.runtime.whenIdle();
    expect((await t.runtime.getStatus("lock-demo"))?.runtimeStatus).toBe("Running");
  });

  it("still serves a loopback call without browser headers, as the durable client makes", async () => {
    await waiting("lock-demo");
    expect(await post(terminate("lock-demo"), {})).toBe(202);
    await t.runtime.whenIdle();
    expect((await t.runtime.getStatus("lock-demo"))?.runtimeStatus).toBe("Terminated");
  });
});
