/**
 * The runtime's HTTP server: the app's routes (with the real durable client talking to the RPC endpoint), the URLs
 * of createCheckStatusResponse, and Durable's management webhooks.
 */
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

const api = (path: string): string => `${t.runtime.baseUrl}/api/${path}`;

async function json(response: Response): Promise<unknown> {
  return JSON.parse(await response.text()) as unknown;
}

interface CheckStatusPayload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
}

async function startOverHttp(name: string, input: unknown, instanceId = ""): Promise<CheckStatusPayload> {
  const response = await fetch(api(`orchestrators/${name}/${instanceId}`), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  expect(response.status).toBe(202);
  const payload = (await json(response)) as CheckStatusPayload;
  expect(response.headers.get("location")).toBe(payload.statusQueryGetUri);
  return payload;
}

describe("durable client through an app route", () => {
  it("starts, reads status, raises an event and sees the result", async () => {
    const started = await startOverHttp(orchestrators.approval, { timeoutMs: 3_600_000 }, "approval-1");
    expect(started.id).toBe("approval-1");
    await t.runtime.whenIdle();

    const status = (await json(await fetch(api("instances/approval-1")))) as Record<string, unknown>;
    expect(status).toMatchObject({ runtimeStatus: "Running", customStatus: { stage: "awaiting-approval" } });

    const raised = await fetch(api("instances/approval-1/events/Approval"), {
      method: "POST",
      body: JSON.stringify({ by: "http" }),
    });
    expect(raised.status).toBe(202);
    expect((await t.runtime.waitForCompletion("approval-1")).output).toMatchObject({ decision: { by: "http" } });

    // durable-functions 3.5 reads `history` while the extension sends `historyEvents`: the client never shows it.
    const withHistory = (await json(await fetch(api("instances/approval-1?history=true")))) as Record<string, unknown>;
    expect(withHistory).toMatchObject({ runtimeStatus: "Completed" });
    expect(withHistory.history).toBeUndefined();
  });

  it("terminates and lists through the client", async () => {
    const { id } = await startOverHttp(orchestrators.waitForever, null);
    await t.runtime.whenIdle();
    expect((await fetch(api(`instances/${id}/terminate?reason=done`), { method: "POST" })).status).toBe(202);
    await t.runtime.whenIdle();
    const listed = (await json(await fetch(api("instances?status=Terminated")))) as unknown[];
    expect(listed).toEqual([{ instanceId: id, runtimeStatus: "Terminated" }]);
  });

  it("returns createCheckStatusResponse URLs that work as given", async () => {
    const urls = await startOverHttp(orchestrators.earlyEvent, null);
    await t.runtime.whenIdle();
    const running = await fetch(urls.statusQueryGetUri);
    expect(running.status).toBe(202);
    expect(await json(running)).toMatchObject({ instanceId: urls.id, runtimeStatus: "Running" });

    const sent = await fetch(urls.sendEventPostUri.replace("{eventName}", "Go"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify("via webhook"),
    });
    expect(sent.status).toBe(202);
    await t.runtime.waitForCompletion(urls.id);
    const done = await fetch(`${urls.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`);
    expect(done.status).toBe(200);
    const body = (await json(done)) as { output: unknown; historyEvents: Record<string, unknown>[] };
    expect(body.output).toEqual({ go: "via webhook" });
    expect(body.historyEvents[0]).toMatchObject({
      EventType: "ExecutionStarted",
      FunctionName: orchestrators.earlyEvent,
    });
    expect(body.historyEvents.at(-1)).toMatchObject({ EventType: "ExecutionCompleted", Result: { go: "via webhook" } });
    expect(body.historyEvents.some((e) => e.EventType === "OrchestratorStarted")).toBe(false);

    expect((await fetch(urls.terminatePostUri.replace("{text}", "late"), { method: "POST" })).status).toBe(410);
    const purged = await fetch(urls.purgeHistoryDeleteUri, { method: "DELETE" });
    expect(await json(purged)).toEqual({ instancesDeleted: 1 });
    expect((await fetch(urls.statusQueryGetUri)).status).toBe(404);
  });

  it("terminates through the management URL", async () => {
    const urls = await startOverHttp(orchestrators.waitForever, null);
    await t.runtime.whenIdle();
    expect((await fetch(urls.terminatePostUri.replace("{text}", "by%20webhook"), { method: "POST" })).status).toBe(202);
    await t.runtime.whenIdle();
    expect(await t.runtime.getStatus(urls.id)).toMatchObject({ runtimeStatus: "Terminated", output: "by webhook" });
  });
});

describe("management API", () => {
  const webhook = (path: string): string =>
    `${t.runtime.baseUrl}/runtime/webhooks/durabletask/${path}${path.includes("?") ? "&" : "?"}code=${t.runtime.systemKey}`;

  it("pages the instance list with a continuation token and filters it", async () => {
    for (const n of [1, 2, 3]) await t.runtime.startNew(orchestrators.chain, { instanceId: `page-${n}`, input: 1 });
    await t.runtime.startNew(orchestrators.waitForever, { instanceId: "other" });
    await t.runtime.whenIdle();
    const first = await fetch(webhook("instances/?instanceIdPrefix=page-&top=2"));
    const token = first.headers.get("x-ms-continuation-token");
    expect(((await json(first)) as { instanceId: string }[]).map((s) => s.instanceId)).toEqual(["page-1", "page-2"]);
    expect(token).toBeTruthy();
    const second = await fetch(webhook("instances/?instanceIdPrefix=page-&top=2"), {
      headers: { "x-ms-continuation-token": token! },
    });
    expect(((await json(second)) as { instanceId: string }[]).map((s) => s.instanceId)).toEqual(["page-3"]);
    expect(second.headers.get("x-ms-continuation-token")).toBeNull();
    const running = (await json(await fetch(webhook("instances/?runtimeStatus=Running,Pending")))) as unknown[];
    expect(running).toHaveLength(1);
  });

  it("starts through the creation URL and purges by filter", async () => {
    const started = await fetch(webhook(`orchestrators/${orchestrators.chain}/created-1`), {
      method: "POST",
      body: "2",
    });
    expect(started.status).toBe(202);
    expect((await t.runtime.waitForCompletion("created-1")).output).toBe(2);
    const purged = await fetch(webhook("instances/?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Completed"), {
      method: "DELETE",
    });
    expect(await json(purged)).toEqual({ instancesDeleted: 1 });
  });

  it("requires the system key", async () => {
    const noKey = await fetch(`${t.runtime.baseUrl}/runtime/webhooks/durabletask/instances/`);
    expect(noKey.status).toBe(401);
    const wrongKey = await fetch(`${t.runtime.baseUrl}/runtime/webhooks/durabletask/instances/?code=guess`);
    expect(wrongKey.status).toBe(401);
    expect(await json(wrongKey)).toMatchObject({ error: { code: "unauthorized" } });
  });
});

describe("app routes", () => {
  it("passes params, catch-all, query, headers and body; returns status, headers and cookies", async () => {
    const response = await fetch(api("echo/a/b%20c?x=1&y=2"), {
      method: "PUT",
      headers: { "x-test": "yes" },
      body: "payload",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-echo")).toBe("yes");
    expect(response.headers.getSetCookie()).toEqual(["session=a%20b; Path=/; HttpOnly"]);
    expect(await json(response)).toEqual({
      method: "PUT",
      params: { rest: "a/b c" },
      query: { x: "1", y: "2" },
      body: "payload",
    });
  });

  it("returns binary bodies and honours route constraints", async () => {
    const response = await fetch(api("bytes/300"));
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(300);
    expect(bytes[257]).toBe(1);
    expect((await fetch(api("bytes/many"))).status).toBe(404);
  });

  it("answers 404 for unknown routes and wrong methods, 500 for a throwing handler", async () => {
    expect((await fetch(api("nowhere"))).status).toBe(404);
    const wrongMethod = await fetch(api("bytes/3"), { method: "POST" });
    expect(wrongMethod.status).toBe(404);
    expect(await json(wrongMethod)).toMatchObject({ error: { message: expect.stringContaining("GET") as unknown } });
    const crashed = await fetch(api("crash"));
    expect(crashed.status).toBe(500);
    expect(await crashed.text()).toBe("");
  });
});
