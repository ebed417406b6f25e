/**
 * Bad input is refused with a clear 4xx (or a typed error programmatically) and leaves the store intact.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalRuntime, LocalRuntimeError } from "../../../local/runtime/index.js";
import { fixture, startRuntime, tempStore, type TestRuntime } from "./fixtures/harness.js";

const { orchestrators } = fixture;

let t: TestRuntime;
let removeStore: () => Promise<void>;
beforeEach(async () => {
  const store = await tempStore();
  removeStore = store.remove;
  t = await startRuntime({ storeDir: store.dir });
});
afterEach(async () => {
  await t.dispose();
  await removeStore();
});

const rpc = (path: string, init?: RequestInit): Promise<Response> =>
  fetch(`${t.runtime.baseUrl}/durabletask/${path}`, init);
const webhook = (path: string, init?: RequestInit): Promise<Response> =>
  fetch(
    `${t.runtime.baseUrl}/runtime/webhooks/durabletask/${path}${path.includes("?") ? "&" : "?"}code=${t.runtime.systemKey}`,
    init,
  );
const postJson = (body: string, contentType = "application/json"): RequestInit => ({
  method: "POST",
  headers: { "content-type": contentType },
  body,
});

async function expectError(response: Promise<Response>, status: number, message: RegExp): Promise<void> {
  const res = await response;
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error?: { code: string; message: string }; Message?: string } | string;
  expect(typeof body === "string" ? body : (body.error?.message ?? body.Message)).toMatch(message);
}

/** The extension's 404 and 410: CreateResponse(status), no body. */
async function expectEmpty(response: Promise<Response>, status: number): Promise<void> {
  const res = await response;
  expect(res.status).toBe(status);
  expect(await res.text()).toBe("");
}

async function runningAndFinished(): Promise<{ running: string; finished: string }> {
  const running = await t.runtime.startNew(orchestrators.waitForever, { instanceId: "running-1" });
  const finished = await t.runtime.startNew(orchestrators.chain, { instanceId: "finished-1", input: 1 });
  await t.runtime.waitForCompletion(finished);
  return { running, finished };
}

describe("starting", () => {
  it("refuses an unknown orchestrator", async () => {
    await expect(t.runtime.startNew("NoSuchOrchestrator")).rejects.toMatchObject({ code: "bad-request" });
    await expectError(rpc("orchestrators/NoSuchOrchestrator", postJson("{}")), 400, /NoSuchOrchestrator/);
  });

  // The host answers a start of a running id with HTTP 500, not 409: HttpApiHandler catches only JsonReaderException
  // around StartNewAsync, and DTFx's dedupe refuses the id (overridableExistingInstanceStates: NonRunningStates).
  it("refuses a duplicate id while the instance runs (HTTP 500, as the host), and replaces a finished one", async () => {
    const { running, finished } = await runningAndFinished();
    await expect(t.runtime.startNew(orchestrators.waitForever, { instanceId: running })).rejects.toMatchObject({
      code: "already-exists",
    });
    await expectError(rpc(`orchestrators/${orchestrators.chain}/${running}`, postJson("1")), 500, /already exists/);
    await t.runtime.startNew(orchestrators.chain, { instanceId: finished, input: 3 });
    expect((await t.runtime.waitForCompletion(finished)).output).toBe(3);
  });

  // Two starts of one id in flight at once: both pass the host's status check, both callers get 202, and the second
  // ExecutionStarted is discarded as a duplicate; the first input is the one that runs.
  it("accepts two racing starts of one id and runs only the first", async () => {
    const [a, b] = await Promise.all([
      rpc(`orchestrators/${orchestrators.chain}/racing-1`, postJson("2")),
      rpc(`orchestrators/${orchestrators.chain}/racing-1`, postJson("5")),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect((await t.runtime.waitForCompletion("racing-1")).output).toBe(2);
    expect((await t.runtime.list()).filter((s) => s.instanceId === "racing-1")).toHaveLength(1);
  });

  it("refuses invalid instance ids and malformed input", async () => {
    for (const instanceId of ["", "@entity", "a#b", "x".repeat(257)]) {
      await expect(t.runtime.startNew(orchestrators.chain, { instanceId })).rejects.toBeInstanceOf(LocalRuntimeError);
    }
    await expectError(rpc(`orchestrators/${orchestrators.chain}/ok-id`, postJson("{not json")), 400, /Invalid JSON/);
    expect(await t.runtime.getStatus("ok-id")).toBeUndefined();
  });
});

describe("events and operations", () => {
  it("answers 404 for an unknown instance and 410 for a finished one", async () => {
    const { finished } = await runningAndFinished();
    await expect(t.runtime.raiseEvent("nobody", "Go")).rejects.toMatchObject({ code: "not-found" });
    await expectEmpty(rpc("instances/nobody/raiseEvent/Go", postJson("1")), 404);
    await expect(t.runtime.raiseEvent(finished, "Go")).rejects.toMatchObject({ code: "gone" });
    await expectEmpty(rpc(`instances/${finished}/raiseEvent/Go`, postJson("1")), 410);
    await expectEmpty(rpc(`instances/${finished}/terminate?reason=x`, { method: "POST" }), 410);
    await expectEmpty(rpc("instances/nobody", { method: "DELETE" }), 404);
  });

  it("refuses malformed event payloads", async () => {
    const { running } = await runningAndFinished();
    await expectError(rpc(`instances/${running}/raiseEvent/Go`, postJson("1", "text/plain")), 400, /application\/json/);
    await expectError(rpc(`instances/${running}/raiseEvent/Go`, postJson("{oops")), 400, /Invalid JSON/);
  });

  it("refuses what cannot be read and unknown APIs; query values that do not parse are ignored, as the host does", async () => {
    await expectError(webhook("instances/?top=0"), 400, /top/);
    await expectError(webhook("instances/", { headers: { "x-ms-continuation-token": "!!" } }), 400, /continuation/);
    await expectError(webhook("instances/", { method: "DELETE" }), 400, /createdTimeFrom/);
    for (const query of ["runtimeStatus=Sleeping", "createdTimeFrom=yesterday", "top=many"])
      expect((await webhook(`instances/?${query}`)).status).toBe(200);
    await expectEmpty(webhook("instances/x?showHistory=maybe"), 404);
    await expectEmpty(webhook("nothing/here"), 404);
    await expectError(webhook("entities/counter/k"), 501, /entities/);
  });

  it("says clearly what the local runtime does not do", async () => {
    const { running } = await runningAndFinished();
    for (const operation of ["suspend", "resume", "rewind", "restart"]) {
      await expectError(
        rpc(`instances/${running}/${operation}?reason=x`, { method: "POST" }),
        501,
        new RegExp(operation),
      );
    }
    await expectError(rpc(`instances/${running}`, { method: "DELETE" }), 412, /terminal state/);
  });
});

describe("the store", () => {
  it("is intact after all that: a new runtime sees the same instances", async () => {
    const { running, finished } = await runningAndFinished();
    await rpc(`instances/${running}/raiseEvent/Unrelated`, postJson('{"n":1}'));
    await rpc("orchestrators/NoSuchOrchestrator", postJson("{}"));
    await rpc(`instances/${running}/raiseEvent/Go`, postJson("{oops"));
    await t.runtime.whenIdle();
    const before = await t.runtime.list();
    await t.runtime.close();
    const reopened = await LocalRuntime.start({ storeDir: t.storeDir, clock: t.clock });
    try {
      expect(await reopened.list()).toEqual(before);
      expect((await reopened.getStatus(finished))?.output).toBe(1);
      await reopened.raiseEvent(running, "Never", "finally");
      expect((await reopened.waitForCompletion(running)).output).toBe("finally");
    } finally {
      await reopened.kill();
    }
  });
});
