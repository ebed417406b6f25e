/**
 * Durable's management API as the extension answers it, checked against the extension's and DurableTask's source:
 * HttpApiHandler.cs and HttpRequestMessageExtensions.cs (azure-functions-durable-extension), AzureTableTrackingStore.cs,
 * TaskOrchestrationDispatcher.cs and TaskOrchestrationContext.cs (durabletask). Each test names what it mirrors.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventType, type HistoryEvent } from "../../../local/runtime/index.js";
import { completedChain, durableClient, fixture, startRuntime, T0, type TestRuntime } from "./fixtures/harness.js";

const { orchestrators } = fixture;
const MINUTE = 60_000;

let t: TestRuntime;
beforeEach(async () => {
  t = await startRuntime();
});
afterEach(async () => {
  await t.dispose();
});

const webhookUrl = (path: string): string =>
  `${t.runtime.baseUrl}/runtime/webhooks/durabletask/${path}${path.includes("?") ? "&" : "?"}code=${t.runtime.systemKey}`;
const webhook = (path: string, init?: RequestInit): Promise<Response> => fetch(webhookUrl(path), init);
const rpc = (path: string, init?: RequestInit): Promise<Response> =>
  fetch(`${t.runtime.baseUrl}/durabletask/${path}`, init);
const postJson = (body: string, contentType = "application/json"): RequestInit => ({
  method: "POST",
  headers: { "content-type": contentType },
  body,
});

async function json<T = unknown>(response: Response | Promise<Response>): Promise<{ status: number; body: T }> {
  const res = await response;
  return { status: res.status, body: JSON.parse(await res.text()) as T };
}

/** CreateResponse(status) without a value: no content, so no content type either. */
async function expectNoContent(response: Promise<Response>, status: number): Promise<void> {
  const res = await response;
  expect(res.status).toBe(status);
  expect(await res.text()).toBe("");
  expect(res.headers.get("content-type")).toBeNull();
}

async function running(instanceId: string): Promise<string> {
  const id = await t.runtime.startNew(orchestrators.waitForever, { instanceId });
  await t.runtime.whenIdle();
  return id;
}

const completed = (instanceId: string, input = 1): Promise<string> => completedChain(t.runtime, instanceId, input);

describe("purge of an unfinished instance (HandleDeleteHistoryByIdRequestAsync)", () => {
  // The extension checks the runtime status before purging (azure-functions-durable-extension#3311): a running
  // orchestration is refused with 412 and a JSON string; Azure Storage itself would delete it regardless
  // (AzureTableTrackingStore.PurgeInstanceHistoryAsync(instanceId) has no status check).
  it("answers 412 Precondition Failed with the reason, on both surfaces, and keeps the instance", async () => {
    const id = await running("purge-me-not");
    const message =
      "Only orchestrations in a terminal state can be purged, but the orchestration with instance ID " +
      "purge-me-not has status Running";
    for (const response of [
      webhook(`instances/${id}`, { method: "DELETE" }),
      rpc(`instances/${id}`, { method: "DELETE" }),
    ])
      expect(await json(response)).toEqual({ status: 412, body: message });
    expect(await t.runtime.getStatus(id)).toMatchObject({ runtimeStatus: "Running" });
    await t.runtime.raiseEvent(id, "Never", "still here");
    expect((await t.runtime.waitForCompletion(id)).output).toBe("still here");
  });

  it("purges a finished one (200 with the count), 404 without a body for an unknown id", async () => {
    const id = await completed("purge-me");
    expect(await json(webhook(`instances/${id}`, { method: "DELETE" }))).toEqual({
      status: 200,
      body: { instancesDeleted: 1 },
    });
    await expectNoContent(webhook(`instances/${id}`, { method: "DELETE" }), 404);
    // An '@' id is an entity's: the extension skips the status check and the store finds nothing to delete.
    expect(await json(rpc("instances/%40counter%40k", { method: "DELETE" }))).toEqual({
      status: 200,
      body: { instancesDeleted: 0 },
    });
  });
});

describe("lenient query parsing (HttpApiHandler's TryGet...QueryParameterValue)", () => {
  it("status: a flag that is not a bool is its default; names are case-insensitive, values trimmed", async () => {
    const id = await completed("lenient-status");
    const asked = async (query: string) =>
      json<{ input: unknown; historyEvents?: Record<string, unknown>[] }>(webhook(`instances/${id}?${query}`));

    // bool.TryParse fails: showHistory defaults to false, showInput to true; unknown names are ignored.
    const yes = await asked("showHistory=yes&showInput=nope&verbose=1&=&x");
    expect(yes.status).toBe(200);
    expect(yes.body.historyEvents).toBeUndefined();
    expect(yes.body.input).toBe(1);
    // GetQueryNameValuePairs: OrdinalIgnoreCase names, trimmed values; bool.TryParse ignores case.
    const shouted = await asked("SHOWHISTORY=%20True%20&ShowHistoryOutput=TRUE&showinput=False");
    expect(shouted.body.input).toBeNull();
    expect(shouted.body.historyEvents?.at(-1)).toMatchObject({ EventType: "ExecutionCompleted", Result: 1 });
    // A repeated name reads as "true,true" (NameValueCollection joins values), which is no bool.
    expect((await asked("showHistory=true&showHistory=true")).body.historyEvents).toBeUndefined();
  });

  it("status: returnInternalServerErrorOnFailure only when it parses as true", async () => {
    const id = await t.runtime.startNew(orchestrators.thrower);
    await t.runtime.waitForCompletion(id);
    expect((await webhook(`instances/${id}?returnInternalServerErrorOnFailure=1`)).status).toBe(200);
    expect((await webhook(`instances/${id}?returnInternalServerErrorOnFailure=True`)).status).toBe(500);
  });

  it("list: top, dates, statuses and showInput that do not parse are no filter, never a 400", async () => {
    for (const n of [1, 2, 3]) await completed(`list-${n}`, n);
    await running("list-4");
    const ids = async (query: string) => {
      const reply = await json<{ instanceId: string; input: unknown }[]>(webhook(`instances/?${query}`));
      expect(reply.status).toBe(200);
      return reply.body.map((s) => s.instanceId);
    };
    const all = ["list-1", "list-2", "list-3", "list-4"];
    // int.TryParse fails: PageSize keeps its default of 100, so no continuation.
    for (const top of ["abc", "2.5", "", "99999999999"]) {
      const response = await webhook(`instances/?top=${top}`);
      expect(response.headers.get("x-ms-continuation-token")).toBeNull();
      expect(((await response.json()) as { instanceId: string }[]).map((s) => s.instanceId)).toEqual(all);
    }
    expect(await ids("TOP=%202%20")).toEqual(["list-1", "list-2"]);
    // Enum.TryParse per comma-separated value: member names (case-sensitive) or numbers; the rest is dropped.
    expect(await ids("runtimeStatus=Sleeping,Running")).toEqual(["list-4"]);
    expect(await ids("runtimeStatus=Sleeping")).toEqual(all);
    expect(await ids("runtimeStatus=running")).toEqual(all);
    expect(await ids("runtimeStatus=1")).toEqual(["list-1", "list-2", "list-3"]);
    expect(await ids("runtimeStatus=Canceled")).toEqual([]);
    expect(await ids("runtimeStatus=Completed&runtimeStatus=%20Running")).toEqual(all);
    // DateTime.TryParse fails: no bound.
    expect(await ids("createdTimeFrom=yesterday&createdTimeTo=")).toEqual(all);
    expect(await ids(`createdTimeFrom=${new Date(T0 + 1).toISOString()}`)).toEqual([]);
    const shown = await json<{ input: unknown }[]>(webhook("instances/?showInput=maybe&instanceIdPrefix=list-1"));
    expect(shown.body).toEqual([expect.objectContaining({ input: 1 })]);
  });

  it("purge by filter: only createdTimeFrom must parse (400 with a JSON string), the rest is lenient", async () => {
    await completed("old-1");
    expect(await json(webhook("instances/?createdTimeFrom=yesterday", { method: "DELETE" }))).toEqual({
      status: 400,
      body: "Please provide value for 'createdTimeFrom' parameter.",
    });
    await expectNoContent(
      webhook(`instances/?createdTimeFrom=${new Date(T0 + 1).toISOString()}`, { method: "DELETE" }),
      404,
    );
    const purged = webhook("instances/?createdTimeFrom=2000-01-01&createdTimeTo=soon&runtimeStatus=Bogus", {
      method: "DELETE",
    });
    expect(await json(purged)).toEqual({ status: 200, body: { instancesDeleted: 1 } });
  });
});

describe("error bodies (HttpRequestMessageExtensions)", () => {
  it("404 and 410 have no body on every route, webhook and RPC alike", async () => {
    const done = await completed("gone-1");
    for (const call of [webhook, rpc]) {
      await expectNoContent(call("instances/nobody"), 404);
      await expectNoContent(call("instances/nobody/terminate?reason=x", { method: "POST" }), 404);
      await expectNoContent(call("instances/nobody/raiseEvent/Go", postJson("1")), 404);
      await expectNoContent(call("instances/nobody", { method: "DELETE" }), 404);
      await expectNoContent(call(`instances/${done}/terminate?reason=x`, { method: "POST" }), 410);
      await expectNoContent(call(`instances/${done}/raiseEvent/Go`, postJson("1")), 410);
      await expectNoContent(call("nothing/here"), 404);
      await expectNoContent(call(`instances/${done}`, { method: "PUT" }), 404);
      await expectNoContent(call(`instances/${done}/explode`, { method: "POST" }), 404);
      await expectNoContent(call(`orchestrators/${orchestrators.chain}`, { method: "GET" }), 404);
    }
  });

  it("the raise-event 400s carry CreateErrorResponse's {Message}, an empty body is invalid JSON", async () => {
    const id = await running("raise-400");
    expect(await json(rpc(`instances/${id}/raiseEvent/Go`, postJson("1", "text/plain")))).toEqual({
      status: 400,
      body: { Message: "Only application/json request content is supported" },
    });
    for (const body of ["{oops", ""]) {
      const reply = await json(rpc(`instances/${id}/raiseEvent/Go`, postJson(body)));
      expect(reply).toMatchObject({ status: 400, body: { Message: "Invalid JSON content" } });
    }
    expect(await json(rpc(`orchestrators/${orchestrators.chain}/bad-json`, postJson("{oops")))).toMatchObject({
      status: 400,
      body: { Message: "Invalid JSON content" },
    });
    expect(await t.runtime.getStatus("bad-json")).toBeUndefined();
  });

  it("the durable client still reads a missing instance as HTTP 404", async () => {
    const client = durableClient(t.runtime.clientData());
    await expect(client.getStatus("nobody")).rejects.toThrow(/HTTP 404/);
    expect(await client.purgeInstanceHistory("nobody")).toEqual({ instancesDeleted: 0 });
  });
});

describe("continueAsNew resets createdTime (AzureTableTrackingStore.UpdateStateAsync)", () => {
  // Each continued execution starts with a new ExecutionStarted event (TaskOrchestrationDispatcher), and the
  // tracking store writes the instance's CreatedTime from every ExecutionStarted it stores.
  it("reports the current execution's creation time in the status, the list and its filters", async () => {
    const id = await t.runtime.startNew(orchestrators.monitor, { instanceId: "rounds", input: { round: 0, until: 3 } });
    const status = await t.runtime.waitForCompletion(id);
    const third = new Date(T0 + 2 * MINUTE).toISOString().replace(".000Z", "Z");
    expect(status).toMatchObject({ createdTime: third, lastUpdatedTime: "2026-01-05T09:03:00Z" });
    const started = (await t.runtime.history(id)).find((e: HistoryEvent) => e.EventType === EventType.ExecutionStarted);
    expect(started?.Timestamp).toBe(new Date(T0 + 2 * MINUTE).toISOString());
    expect((await json<{ createdTime: string }>(webhook(`instances/${id}`))).body.createdTime).toBe(third);
    const after = new Date(T0 + 90_000).toISOString();
    const listed = await json<{ instanceId: string }[]>(webhook(`instances/?createdTimeFrom=${after}`));
    expect(listed.body.map((s) => s.instanceId)).toEqual([id]);
  });
});

describe("a terminated sub-orchestration (TaskOrchestrationDispatcher.ProcessWorkflowCompletedTaskDecision)", () => {
  // Termination completes the child with CompleteOrchestration(reason, null, Terminated): the parent gets
  // SubOrchestrationInstanceFailed with the reason as Reason and null Details and FailureDetails.
  it("gives the parent the terminate reason itself, Details and FailureDetails null", async () => {
    const parent = await t.runtime.startNew(orchestrators.parentOfWaiter, { input: "child-to-stop" });
    await t.runtime.whenIdle();
    await t.runtime.terminate("child-to-stop", "stop the child");
    await t.runtime.whenIdle();
    const failed = (await t.runtime.history(parent)).filter(
      (e) => e.EventType === EventType.SubOrchestrationInstanceFailed,
    );
    expect(failed).toEqual([
      expect.objectContaining({ TaskScheduledId: 0, Reason: "stop the child", Details: null, FailureDetails: null }),
    ]);
    // durable-functions 3.x builds a task's error from FailureDetails, or from string Reason and Details; with
    // neither it throws out of the replay, so a JS parent fails instead of catching its child's termination.
    expect(await t.runtime.getStatus(parent)).toMatchObject({
      runtimeStatus: "Failed",
      output: expect.stringContaining("could not parse its exception data") as unknown,
    });
  });
});
