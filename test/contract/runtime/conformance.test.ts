/**
 * Conformance of the local runtime with Durable Functions semantics, on a virtual clock: the fixture app's
 * orchestrations run through the real durable-functions replay engine.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventType, type HistoryEvent, LocalRuntimeError } from "../../../local/runtime/index.js";
import { VirtualClock } from "../../../local/clock.js";
import { fixture, eventually, tempStore, startRuntime, T0, type TestRuntime } from "./fixtures/harness.js";

const { orchestrators, probe } = fixture;
const MINUTE = 60_000;
const DAY = 86_400_000;

let t: TestRuntime;
const lines: string[] = [];

beforeEach(async () => {
  lines.length = 0;
  t = await startRuntime({ log: (line) => lines.push(line) });
});
afterEach(async () => {
  await t.dispose();
});

const ofType = <T extends HistoryEvent["EventType"]>(history: HistoryEvent[], type: T) =>
  history.filter((e): e is Extract<HistoryEvent, { EventType: T }> => e.EventType === type);

async function run(name: string, input?: unknown) {
  const id = await t.runtime.startNew(name, { input });
  const status = await t.runtime.waitForCompletion(id);
  return { id, status, history: await t.runtime.history(id) };
}

describe("patterns", () => {
  it("chains activities, one sequence id each, in order", async () => {
    const { status, history } = await run(orchestrators.chain, 5);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: 5, input: 5, name: orchestrators.chain });
    expect(ofType(history, EventType.TaskScheduled).map((e) => [e.EventId, e.Name])).toEqual(
      [0, 1, 2, 3, 4].map((id) => [id, "Increment"]),
    );
    expect(history.at(-2)).toMatchObject({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: "Completed" });
  });

  it("fans out and in with Task.all", async () => {
    const { status, history } = await run(orchestrators.fanOut, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(status.output).toBe(110);
    // All ten are scheduled in the first episode.
    const firstEpisodeEnd = history.findIndex((e) => e.EventType === EventType.OrchestratorCompleted);
    expect(ofType(history.slice(0, firstEpisodeEnd), EventType.TaskScheduled)).toHaveLength(10);
  });

  it("tells the orchestrator when it is replaying", async () => {
    probe.trace.length = 0;
    await run(orchestrators.replayTrace);
    expect(probe.trace).toEqual([
      "start:live",
      "start:replay",
      "after-first:live",
      "start:replay",
      "after-first:replay",
      "after-second:live",
    ]);
  });
});

describe("human interaction", () => {
  it("takes the approval, cancels the timer, and never waits for it", async () => {
    const id = await t.runtime.startNew(orchestrators.approval, { input: { timeoutMs: 3_600_000 } });
    await t.runtime.whenIdle();
    expect(await t.runtime.getStatus(id)).toMatchObject({
      runtimeStatus: "Running",
      customStatus: { stage: "awaiting-approval" },
    });
    await t.runtime.raiseEvent(id, "Approval", { approvedBy: "ops" });
    const status = await t.runtime.waitForCompletion(id);
    expect(status.output).toEqual({ decision: { approvedBy: "ops" }, at: new Date(T0).toISOString() });
    expect(status.customStatus).toEqual({ stage: "decided" });
    expect(t.clock.now()).toBe(T0);
    expect(ofType(await t.runtime.history(id), EventType.TimerFired)).toHaveLength(0);
  });

  it("times out when the timer wins", async () => {
    const { status, history } = await run(orchestrators.approval, { timeoutMs: 3_600_000 });
    expect(status.output).toEqual({ decision: "timeout", at: new Date(T0 + 3_600_000).toISOString() });
    expect(status.customStatus).toEqual({ stage: "timed-out" });
    expect(ofType(history, EventType.TimerFired)).toHaveLength(1);
  });

  it("delivers an event raised before the orchestrator waits for it", async () => {
    const id = await t.runtime.startNew(orchestrators.earlyEvent);
    await t.runtime.whenIdle();
    await t.runtime.raiseEvent(id, "Go", { early: true });
    const status = await t.runtime.waitForCompletion(id);
    expect(status.output).toEqual({ go: { early: true } });
    const history = await t.runtime.history(id);
    const raisedAt = history.findIndex((e) => e.EventType === EventType.EventRaised);
    expect(raisedAt).toBeLessThan(history.findIndex((e) => e.EventType === EventType.TimerFired));
  });

  it("delivers many concurrent events in order, one episode at a time", async () => {
    const id = await t.runtime.startNew(orchestrators.eventCounter, { input: 20 });
    await t.runtime.whenIdle();
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.runtime.raiseEvent(id, "Item", i)));
    const status = await t.runtime.waitForCompletion(id);
    expect(status.output).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe("continueAsNew", () => {
  it("starts each round with fresh history and a new execution id", async () => {
    const id = await t.runtime.startNew(orchestrators.monitor, { input: { round: 0, until: 3 } });
    const executionIds = new Set<string>();
    await t.runtime.runUntil(async () => {
      const started = (await t.runtime.history(id)).find((e) => e.EventType === EventType.ExecutionStarted);
      if (started?.EventType === EventType.ExecutionStarted)
        executionIds.add(started.OrchestrationInstance.ExecutionId);
      return (await t.runtime.getStatus(id))?.runtimeStatus === "Completed";
    });
    const status = await t.runtime.getStatus(id);
    expect(status).toMatchObject({ output: { rounds: 3 }, input: { round: 2, until: 3 } });
    expect(executionIds.size).toBe(3);
    const history = await t.runtime.history(id);
    expect(ofType(history, EventType.ExecutionStarted)).toHaveLength(1);
    expect(ofType(history, EventType.TimerCreated)).toHaveLength(1);
    expect(t.clock.now()).toBe(T0 + 3 * MINUTE);
  });

  // The shim calls ContinueAsNew(input), so preserveUnprocessedEvents is false: events raised before it that no wait
  // took are dropped, only those that arrive afterwards reach the next execution (extension
  // DurableOrchestrationContext.ContinueAsNew, DurableTaskExtension's RescheduleBufferedExternalEvents).
  it("drops an event nobody waited for at continueAsNew; the next execution gets only later ones", async () => {
    const id = await t.runtime.startNew(orchestrators.carryOver, { input: { round: 0 } });
    await t.runtime.whenIdle();
    await t.runtime.raiseEvent(id, "Note", "dropped");
    await expect(t.runtime.waitForCompletion(id)).rejects.toThrow(/idle, no timer is due/);
    const waiting = await t.runtime.getStatus(id);
    expect(waiting).toMatchObject({ runtimeStatus: "Running", input: { round: 1 } });
    await t.runtime.raiseEvent(id, "Note", "later");
    expect((await t.runtime.waitForCompletion(id)).output).toEqual({ note: "later" });
  });

  it("re-delivers an event consumed next to a cancelled timer, as Azure does (extension#2606)", async () => {
    const id = await t.runtime.startNew(orchestrators.signalLoop, { input: { round: 0, until: 3 } });
    await t.runtime.whenIdle();
    await t.runtime.raiseEvent(id, "Signal", "once");
    const status = await t.runtime.waitForCompletion(id);
    expect(status.output).toEqual({ rounds: 3, lastSignalled: true });
    expect(t.clock.now()).toBe(T0);
    expect(lines.some((line) => line.includes("#2606"))).toBe(true);
  });
});

describe("sub-orchestrations", () => {
  it("runs children with default and explicit ids and reports a failing one", async () => {
    const { id, status, history } = await run(orchestrators.parent, { explicitId: "explicit-child" });
    expect(status.output).toEqual({
      byDefaultId: 42,
      byExplicitId: 10,
      childError: expect.stringContaining("child failed for x") as unknown,
    });
    const started = ofType(history, EventType.ExecutionStarted)[0]!;
    const created = ofType(history, EventType.SubOrchestrationInstanceCreated);
    expect(created.map((e) => e.InstanceId)).toEqual([
      `${started.OrchestrationInstance.ExecutionId}:0`,
      "explicit-child",
      `${started.OrchestrationInstance.ExecutionId}:2`,
    ]);
    expect(ofType(history, EventType.SubOrchestrationInstanceFailed)).toHaveLength(1);
    const child = await t.runtime.getStatus(`${started.OrchestrationInstance.ExecutionId}:0`);
    expect(child).toMatchObject({ name: orchestrators.child, runtimeStatus: "Completed", output: 42 });
    expect(id).not.toBe(child?.instanceId);
  });

  it("terminating a parent leaves its children running", async () => {
    const id = await t.runtime.startNew(orchestrators.parentOfWaiter, { input: "lonely-child" });
    await t.runtime.whenIdle();
    await t.runtime.terminate(id, "stop the parent");
    await t.runtime.whenIdle();
    expect(await t.runtime.getStatus(id)).toMatchObject({ runtimeStatus: "Terminated", output: "stop the parent" });
    expect(await t.runtime.getStatus("lonely-child")).toMatchObject({ runtimeStatus: "Running" });
  });
});

describe("retries", () => {
  const timerDelays = (history: HistoryEvent[]) =>
    ofType(history, EventType.TimerCreated).map((e) => Date.parse(e.FireAt) - Date.parse(e.Timestamp));

  it("succeeds on the third attempt after backoff timers", async () => {
    const { status, history } = await run(orchestrators.retry, {
      succeedOn: 3,
      attempts: 5,
      firstMs: 1000,
      backoff: 2,
    });
    expect(status.output).toEqual({ ok: true, value: "succeeded on attempt 3" });
    expect(ofType(history, EventType.TaskScheduled).map((e) => e.EventId)).toEqual([0, 2, 4]);
    expect(ofType(history, EventType.TimerCreated).map((e) => e.EventId)).toEqual([1, 3]);
    expect(timerDelays(history)).toEqual([1000, 2000]);
    expect(t.clock.now()).toBe(T0 + 3000);
  });

  it("gives up after maxNumberOfAttempts, delays capped by maxRetryInterval", async () => {
    const input = { succeedOn: 99, attempts: 3, firstMs: 1000, backoff: 2, maxMs: 1500 };
    const { id, status, history } = await run(orchestrators.retry, input);
    expect(status.output).toMatchObject({ ok: false });
    expect((status.output as { message: string }).message).toMatch(
      /^Activity function 'Flaky' failed: {2}attempt 3 failed \n \{/,
    );
    expect(probe.calls.get(id)).toBe(3);
    // The last failed attempt is followed by an immediate timer (DTFx RetryInterceptor back-compat).
    expect(timerDelays(history)).toEqual([1000, 1500, 0]);
  });

  it("stops retrying at retryTimeout, which durable-functions 3 cannot observe", async () => {
    const input = { succeedOn: 99, attempts: 10, firstMs: 1000, backoff: 1, timeoutMs: 2500 };
    const id = await t.runtime.startNew(orchestrators.retry, { input });
    await expect(t.runtime.waitForCompletion(id)).rejects.toThrow(/idle, no timer is due/);
    expect(probe.calls.get(id)).toBe(4);
    expect((await t.runtime.getStatus(id))?.runtimeStatus).toBe("Running");
    expect(lines.some((line) => line.includes("retryTimeoutInMilliseconds expired"))).toBe(true);
  });
});

describe("completion rule", () => {
  it("keeps an instance Running while a timer it did not cancel is pending", async () => {
    const id = await t.runtime.startNew(orchestrators.forgetsTimer);
    await t.runtime.whenIdle();
    await t.runtime.raiseEvent(id, "Go");
    await t.runtime.whenIdle();
    expect((await t.runtime.getStatus(id))?.runtimeStatus).toBe("Running");
    const status = await t.runtime.waitForCompletion(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: "returned" });
    expect(t.clock.now()).toBe(T0 + 3_600_000);
  });

  it("completes a Task.all that failed early only when its other tasks are done", async () => {
    const id = await t.runtime.startNew(orchestrators.allOrNothing, { input: "all-slow" });
    await eventually(async () => (await t.runtime.history(id)).some((e) => e.EventType === EventType.TaskFailed));
    expect((await t.runtime.getStatus(id))?.runtimeStatus).toBe("Running");
    fixture.gateFor("all-slow").release();
    const { output } = await t.runtime.waitForCompletion(id);
    expect(output).toMatch(/^caught Activity function 'Fail' failed: {2}first \n /);
  });
});

describe("timers", () => {
  it("splits a 10-day timer into sub-timers of at most 3 days", async () => {
    const { status, history } = await run(orchestrators.longTimer, 10);
    expect(status.output).toEqual({ elapsedMs: 10 * DAY });
    expect(ofType(history, EventType.TimerCreated).map((e) => (Date.parse(e.FireAt) - T0) / DAY)).toEqual([
      3, 6, 9, 10,
    ]);
    expect(ofType(history, EventType.TimerFired)).toHaveLength(4);
  });
});

describe("failures", () => {
  it("fails the instance when the orchestrator throws", async () => {
    const { status, history } = await run(orchestrators.thrower);
    expect(status).toMatchObject({
      runtimeStatus: "Failed",
      output: "Orchestrator function 'Thrower' failed: orchestrator bug",
    });
    expect(history.at(-2)).toMatchObject({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: "Failed" });
  });

  // What an out-of-process orchestrator receives in Azure: the extension's TaskActivityShim fails the task with a
  // Reason naming the function and the worker's message cut from the host's RpcException text, a serialized .NET
  // exception as Details, no FailureDetails; durable-functions then throws `${Reason} \n ${Details}`.
  it("lets the orchestrator catch an activity's error, in the host's shape", async () => {
    const { status, history } = await run(orchestrators.catchActivity);
    const caught = (status.output as { caught: string }).caught;
    const failed = ofType(history, EventType.TaskFailed)[0];
    expect(failed).toMatchObject({ Reason: "Activity function 'Fail' failed:  boom", FailureDetails: null });
    expect(caught).toBe(`${failed?.Reason ?? ""} \n ${failed?.Details ?? ""}`);
    const details = JSON.parse(failed?.Details ?? "{}") as { Message: string; InnerException: { Message: string } };
    expect(details.Message).toBe(" boom");
    expect(details.InnerException.Message).toMatch(/^Result: Failure\nException: boom\nStack: Error: boom/);
  });

  // DurableOrchestrationContext.CallDurableTaskFunctionAsync calls ThrowIfFunctionDoesNotExist while the shim
  // replays the action: the ArgumentException fails the orchestrator function, no try/catch in it can see it.
  it("fails the orchestration that calls an unknown activity", async () => {
    const { status } = await run(orchestrators.unknownActivity);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toMatch(
      /^Orchestrator function 'UnknownActivity' failed: The function 'NoSuchActivity' doesn't exist, is disabled, or is not an activity function\. Additional info: The following are the known activity functions: '.*'Fail'/,
    );
  });

  it("detects a non-deterministic replay after a code change", async () => {
    const id = await t.runtime.startNew(orchestrators.stepper);
    await t.runtime.whenIdle();
    await t.runtime.close();
    const redeployed = await startRuntime({
      storeDir: t.storeDir,
      clock: t.clock,
      substitutes: { [orchestrators.stepper]: orchestrators.stepperChanged },
    });
    try {
      await redeployed.runtime.raiseEvent(id, "Continue");
      const status = await redeployed.runtime.waitForCompletion(id);
      expect(status.runtimeStatus).toBe("Failed");
      expect(status.output).toMatch(/^Non-Deterministic workflow detected/);
      expect(status.output).toContain("activity 'Increment' at sequence ID 0");
      expect(status.output).toContain("scheduled activity 'Echo' there");
    } finally {
      await redeployed.runtime.kill();
    }
  });
});

describe("instances", () => {
  it("shows custom status while running and the reason after terminate", async () => {
    const id = await t.runtime.startNew(orchestrators.waitForever, { instanceId: "waiting-1" });
    await t.runtime.whenIdle();
    expect(await t.runtime.getStatus(id)).toMatchObject({ runtimeStatus: "Running", customStatus: "waiting" });
    await t.runtime.terminate(id, "not needed");
    await t.runtime.whenIdle();
    expect(await t.runtime.getStatus(id)).toMatchObject({ runtimeStatus: "Terminated", output: "not needed" });
    await expect(t.runtime.raiseEvent(id, "Never")).rejects.toMatchObject({ code: "gone" });
    await expect(t.runtime.terminate(id, "again")).rejects.toBeInstanceOf(LocalRuntimeError);
  });

  it("lists with filters and purges finished instances only", async () => {
    await run(orchestrators.chain, 1);
    const waiting = await t.runtime.startNew(orchestrators.waitForever, { instanceId: "w-1" });
    await t.runtime.whenIdle();
    expect((await t.runtime.list({ runtimeStatus: ["Running"] })).map((s) => s.instanceId)).toEqual([waiting]);
    expect((await t.runtime.list({ instanceIdPrefix: "w-" })).map((s) => s.instanceId)).toEqual([waiting]);
    expect(await t.runtime.list({ createdTimeFrom: new Date(T0 + 1) })).toEqual([]);
    await expect(t.runtime.purge(waiting)).rejects.toMatchObject({ code: "conflict" });
    const [done] = await t.runtime.list({ runtimeStatus: ["Completed"] });
    await t.runtime.purge(done!.instanceId);
    expect(await t.runtime.getStatus(done!.instanceId)).toBeUndefined();
  });

  it("runs activities in parallel up to the concurrency limit", async () => {
    const limited = await startRuntime({ activityConcurrency: 3 });
    try {
      const keys = ["p1", "p2", "p3", "p4", "p5"];
      const id = await limited.runtime.startNew(orchestrators.fanGated, { input: keys });
      const started = (): number => keys.filter((k) => probe.calls.has(`gated:${k}`)).length;
      await eventually(() => started() === 3);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(started()).toBe(3);
      for (const key of keys) fixture.gateFor(key).release();
      expect((await limited.runtime.waitForCompletion(id)).output).toEqual(keys);
    } finally {
      await limited.dispose();
    }
  });
});

describe("what the host refuses", () => {
  // DurableOrchestrationContext.SetCustomStatus serializes with a 16 KB limit measured as the payload's UTF-16 bytes
  // divided by 1024 and truncated (MessagePayloadDataConverter.Serialize); the shim sets it before replaying actions.
  it("fails an orchestration whose custom status is over 16 KB of UTF-16, and accepts one just under", async () => {
    const over = await run(orchestrators.bigStatus, 8_704);
    expect(over.status.runtimeStatus).toBe("Failed");
    expect(over.status.output).toBe(
      "Orchestrator function 'BigStatus' failed: The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 17 KB.",
    );
    expect(ofType(over.history, EventType.TaskScheduled)).toHaveLength(0);
    const under = await run(orchestrators.bigStatus, 8_703);
    expect(under.status).toMatchObject({ runtimeStatus: "Completed", output: 2 });
  });

  // AzureStorageDurabilityProvider.ValidateDelayTime (6 days) on the retry's intervals, in CallDurableTaskFunctionAsync.
  it("fails an orchestration whose retry interval is longer than 6 days", async () => {
    const refused = await run(orchestrators.longRetry, 7 * DAY);
    expect(refused.status.runtimeStatus).toBe("Failed");
    expect(refused.status.output).toBe(
      "Orchestrator function 'LongRetry' failed: The Azure Storage provider supports a maximum of 6 days for time-based delays",
    );
    expect((await run(orchestrators.longRetry, 6 * DAY)).status).toMatchObject({
      runtimeStatus: "Completed",
      output: 2,
    });
  });

  it("fails the orchestration that calls an unknown sub-orchestrator", async () => {
    const { status } = await run(orchestrators.unknownChild);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toMatch(
      /^Orchestrator function 'UnknownChild' failed: The function 'NoSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function\./,
    );
  });

  // The shim cancels only the task it awaits; DTFx keeps the TimerCreated and delivers TimerFired when it is due.
  it("still fires a cancelled timer: one more wake-up, ignored by the orchestrator", async () => {
    const id = await t.runtime.startNew(orchestrators.cancelledTimer);
    await t.runtime.whenIdle();
    const timerId = ofType(await t.runtime.history(id), EventType.TimerCreated)[0]?.EventId;
    (t.clock as VirtualClock).advanceTo(T0 + 61_000);
    await t.runtime.whenIdle();
    const fired = ofType(await t.runtime.history(id), EventType.TimerFired);
    expect(fired.map((e) => e.TimerId)).toEqual([timerId]);
    expect((await t.runtime.getStatus(id))?.runtimeStatus).toBe("Running");
    await t.runtime.raiseEvent(id, "Go", "now");
    expect((await t.runtime.waitForCompletion(id)).output).toEqual({ go: "now" });
  });
});

// host.json defaultVersion, versionMatchStrategy CurrentOrOlder, versionFailureStrategy Reject (DurableTask.Core
// VersioningSettings): new instances carry the worker's version, and a worker does not run a newer instance.
describe("orchestration versions", () => {
  it("gives new instances the worker's version and leaves newer ones to a newer worker", async () => {
    const store = await tempStore();
    try {
      const newer = await startRuntime({ storeDir: store.dir, defaultVersion: "3.0" });
      const id = await newer.runtime.startNew(orchestrators.waitForever);
      await newer.runtime.whenIdle();
      const started = ofType(await newer.runtime.history(id), EventType.ExecutionStarted)[0];
      expect(started?.Version).toBe("3.0");
      await newer.runtime.close();

      const older = await startRuntime({ storeDir: store.dir, defaultVersion: "2.0", log: (l) => lines.push(l) });
      const before = (await older.runtime.history(id)).length;
      await older.runtime.raiseEvent(id, "Never", 1);
      await older.runtime.whenIdle();
      expect((await older.runtime.history(id)).length).toBe(before);
      expect(lines.some((l) => l.includes("has version 3.0, newer than this worker's 2.0: not run"))).toBe(true);
      await older.runtime.close();

      const again = await startRuntime({ storeDir: store.dir, defaultVersion: "3.0" });
      await again.runtime.whenIdle();
      expect((await again.runtime.history(id)).length).toBeGreaterThan(before);
      await again.runtime.close();
    } finally {
      await store.remove();
    }
  });
});
