/**
 * Conformance of the local runtime with Durable Functions semantics, on a virtual clock: the fixture app's
 * orchestrations run through the real durable-functions replay engine.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventType, type HistoryEvent, LocalRuntimeError } from "../../../local/runtime/index.js";
import { fixture, eventually, startRuntime, T0, type TestRuntime } from "./fixtures/harness.js";

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

  it("carries an event nobody consumed into the next execution", async () => {
    const id = await t.runtime.startNew(orchestrators.carryOver, { input: { round: 0 } });
    await t.runtime.whenIdle();
    await t.runtime.raiseEvent(id, "Note", "kept");
    expect((await t.runtime.waitForCompletion(id)).output).toEqual({ note: "kept" });
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
    expect(status.output).toEqual({ ok: false, message: "Error: attempt 3 failed" });
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
    expect(await t.runtime.waitForCompletion(id)).toMatchObject({ output: "caught Error: first" });
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

  it("lets the orchestrator catch an activity's error, message only", async () => {
    const { status, history } = await run(orchestrators.catchActivity);
    expect(status.output).toEqual({ caught: "Error: boom" });
    expect(ofType(history, EventType.TaskFailed)[0]?.FailureDetails).toMatchObject({ ErrorMessage: "boom" });
  });

  it("fails the call to an unknown activity, not the runtime", async () => {
    const { status } = await run(orchestrators.unknownActivity);
    expect(status.output).toEqual({ error: "Error: Activity function 'NoSuchActivity' does not exist." });
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
