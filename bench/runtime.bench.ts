/**
 * The local durable runtime: episodes and replayed events per second on a 200-step chain, wall time of 100
 * concurrent 20-step chains on a virtual clock, and the cost of the durable write path.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as df from "durable-functions";
import { VirtualClock } from "../local/clock.js";
import { captureRegistrations, EventType, LocalRuntime, type HistoryEvent } from "../local/runtime/index.js";
import { runOrchestrator } from "../local/runtime/invoke.js";
import { findFunction } from "../local/runtime/registry.js";
import { printTable } from "./table.js";

const CHAIN = "BenchChain";
const WAITER = "BenchWaiter";

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  captureRegistrations();
  const increment = df.app.activity("BenchIncrement", { handler: (n: unknown) => Number(n) + 1 });
  df.app.orchestration(CHAIN, function* (context) {
    let value = 0;
    for (let step = 0; step < context.df.getInput<number>(); step += 1) value = (yield increment(value)) as number;
    return value;
  });
  df.app.orchestration(WAITER, function* (context) {
    for (let i = 0; i < context.df.getInput<number>(); i += 1) yield context.df.waitForExternalEvent("Tick");
    return "done";
  });
}

/** Events each episode handed to the orchestrator: everything up to that episode's OrchestratorCompleted. */
function replayedEvents(history: HistoryEvent[]): { episodes: number; events: number } {
  let episodes = 0;
  let events = 0;
  history.forEach((event, index) => {
    if (event.EventType !== EventType.OrchestratorCompleted) return;
    episodes += 1;
    events += index + 1;
  });
  return { episodes, events };
}

/**
 * The baseline: the same episodes replayed by durable-functions' engine alone, called directly with each episode's
 * history (no store, no scheduling, no activities, no HTTP). What the runtime adds is the rest.
 */
async function engineOnlyMs(history: HistoryEvent[], input: number): Promise<number> {
  const fn = findFunction(CHAIN);
  if (!fn) throw new Error(`${CHAIN} is not registered`);
  const starts = history.flatMap((e, i) => (e.EventType === EventType.OrchestratorStarted ? [i] : []));
  const env = {
    log: () => {},
    clientData: () => {
      throw new Error("no client in the baseline");
    },
  };
  const began = performance.now();
  for (const [k, start] of starts.entries()) {
    const end = starts[k + 1] ?? history.length;
    await runOrchestrator(
      fn,
      {
        instanceId: "baseline",
        input: JSON.stringify(input),
        parentInstanceId: null,
        pastEvents: history.slice(0, start),
        newEvents: history.slice(start, end),
      },
      env,
    );
  }
  return performance.now() - began;
}

async function withRuntime<T>(work: (runtime: LocalRuntime, storeDir: string) => Promise<T>): Promise<T> {
  const storeDir = await mkdtemp(path.join(tmpdir(), "runtime-bench-"));
  const runtime = await LocalRuntime.start({ storeDir, clock: new VirtualClock() });
  try {
    return await work(runtime, storeDir);
  } finally {
    await runtime.close();
    await rm(storeDir, { recursive: true, force: true });
  }
}

async function storeBytes(storeDir: string): Promise<number> {
  const dir = path.join(storeDir, "instances");
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(path.join(dir, name))).size;
  return total;
}

export default async function runtimeBench(): Promise<void> {
  register();
  const rows: Record<string, string | number>[] = [];

  await withRuntime(async (runtime, storeDir) => {
    const started = performance.now();
    const id = await runtime.startNew(CHAIN, { input: 200 });
    await runtime.waitForCompletion(id);
    const seconds = (performance.now() - started) / 1000;
    const history = await runtime.history(id);
    const { episodes, events } = replayedEvents(history);
    const baselineMs = await engineOnlyMs(history, 200);
    rows.push(
      { figure: "200-step chain: wall time", value: seconds * 1000, unit: "ms" },
      { figure: "baseline: same episodes, replay engine alone", value: baselineMs, unit: "ms" },
      { figure: "runtime / engine alone", value: (seconds * 1000) / baselineMs, unit: "x" },
      { figure: "200-step chain: episodes", value: episodes, unit: "" },
      { figure: "200-step chain: episodes per second", value: episodes / seconds, unit: "1/s" },
      { figure: "200-step chain: replayed events per second", value: events / seconds, unit: "1/s" },
      { figure: "200-step chain: journal size", value: (await storeBytes(storeDir)) / 1024, unit: "KiB" },
    );
  });

  await withRuntime(async (runtime) => {
    const started = performance.now();
    const ids = await Promise.all(Array.from({ length: 100 }, () => runtime.startNew(CHAIN, { input: 20 })));
    await runtime.runUntil(async () => {
      const done = await runtime.list({ runtimeStatus: ["Completed"] });
      return done.length === ids.length;
    });
    rows.push({ figure: "100 concurrent 20-step chains: wall time", value: performance.now() - started, unit: "ms" });
  });

  await withRuntime(async (runtime) => {
    const count = 300;
    const id = await runtime.startNew(WAITER, { input: count });
    await runtime.whenIdle();
    const started = performance.now();
    for (let i = 0; i < count; i += 1) await runtime.raiseEvent(id, "Tick", i);
    const appendMs = (performance.now() - started) / count;
    await runtime.waitForCompletion(id);
    rows.push({ figure: "durable raiseEvent (append + fsync), sequential", value: appendMs, unit: "ms each" });
  });

  printTable(rows);
}
