/**
 * Durability: a runtime stopped abruptly (in-process, and a real SIGKILL of a child process) leaves a store from which
 * a new runtime resumes every instance: activities re-run, timers re-armed, raised events kept.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../../local/clock.js";
import { EventType, LocalRuntime } from "../../../local/runtime/index.js";
import { eventually, fixture, startRuntime, T0, tempStore } from "./fixtures/harness.js";

const { orchestrators, probe, gateFor } = fixture;
const here = path.dirname(fileURLToPath(import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function store(): Promise<string> {
  const { dir, remove } = await tempStore();
  cleanups.push(remove);
  return dir;
}

describe("abrupt stop in-process", () => {
  it("re-runs the activity in flight and keeps an event raised before the stop", async () => {
    const storeDir = await store();
    const first = await startRuntime({ storeDir });
    gateFor("crash-a").release();
    const id = await first.runtime.startNew(orchestrators.gateChain, { input: ["crash-a", "crash-b", "crash-c"] });
    await eventually(() => probe.calls.get("gated:crash-b") === 1);
    await first.runtime.raiseEvent(id, "Approval", "granted before the crash");
    await first.runtime.kill();

    const second = await startRuntime({ storeDir, clock: first.clock });
    cleanups.push(() => second.runtime.kill());
    gateFor("crash-b").release();
    gateFor("crash-c").release();
    const status = await second.runtime.waitForCompletion(id);
    expect(status.output).toEqual({
      results: ["crash-a", "crash-b", "crash-c"],
      approval: "granted before the crash",
    });
    expect(probe.calls.get("gated:crash-a")).toBe(1);
    expect(probe.calls.get("gated:crash-b")).toBe(2);
    const scheduled = (await second.runtime.history(id)).filter((e) => e.EventType === EventType.TaskScheduled);
    expect(scheduled.map((e) => e.EventId)).toEqual([0, 1, 2]);
  });

  it("re-arms a pending timer", async () => {
    const storeDir = await store();
    const first = await startRuntime({ storeDir });
    const id = await first.runtime.startNew(orchestrators.approval, { input: { timeoutMs: 3_600_000 } });
    await first.runtime.whenIdle();
    await first.runtime.kill();
    const second = await startRuntime({ storeDir, clock: new VirtualClock(T0 + 60_000) });
    cleanups.push(() => second.runtime.kill());
    const status = await second.runtime.waitForCompletion(id);
    expect(status.output).toEqual({ decision: "timeout", at: new Date(T0 + 3_600_000).toISOString() });
  });

  it("refuses a second runtime on a store in use", async () => {
    const storeDir = await store();
    const first = await startRuntime({ storeDir });
    cleanups.push(() => first.runtime.kill());
    await expect(LocalRuntime.start({ storeDir })).rejects.toThrow(/in use/);
  });
});

describe("SIGKILL of a real process", () => {
  it("finishes on a new runtime what the killed one began", async () => {
    const storeDir = await store();
    const markerFile = path.join(storeDir, "steps.log");
    const instanceId = "killed-mid-run";
    const child = spawn(
      path.resolve(here, "../../../node_modules/.bin/tsx"),
      [path.join(here, "fixtures/crash-child.ts"), storeDir, instanceId, markerFile],
      // Its own process group: tsx runs the script in a child process, and the kill must reach both.
      { stdio: ["ignore", "ignore", "inherit"], detached: true },
    );
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    cleanups.push(async () => {
      killGroup();
      await exited;
    });
    const stepsRun = async (): Promise<string[]> =>
      (await readFile(markerFile, "utf8").catch(() => "")).split("\n").filter(Boolean);
    await eventually(async () => (await stepsRun()).length >= 3, 20_000);
    killGroup();
    expect(await exited).toBe("SIGKILL");
    const before = (await stepsRun()).length;
    expect(before).toBeLessThan(8);

    const resumed = await LocalRuntime.start({ storeDir });
    cleanups.push(() => resumed.kill());
    const status = await resumed.waitForCompletion(instanceId, { timeoutMs: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: [1, 2, 3, 4, 5, 6, 7, 8] });
    const steps = await stepsRun();
    // At least once: every step ran, the one in flight at the kill possibly twice.
    expect(new Set(steps)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `step ${n}`)));
    expect(steps.length).toBeLessThanOrEqual(9);
  }, 40_000);
});
