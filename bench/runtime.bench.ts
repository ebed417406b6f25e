/**
 * The local durable runtime: episodes and replayed events per second on a 200-step chain, wall time of 100
 * concurrent 20-step chains on a virtual clock, and the cost of the durable write path. The chain runs ROUNDS times
 * after a warm-up, each run followed by the bare replay engine on the same episodes. The ratio reported is that of
 * the fastest runtime round to the fastest engine round: the minimum is the figure least disturbed by other work on
 * the machine (the advice of Python's timeit); the median of the per-round ratios is shown beside it.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as df from "durable-functions";
import { VirtualClock } from "../local/clock.js";
import { captureRegistrations, EventType, LocalRuntime, type HistoryEvent } from "../local/runtime/index.js";
import { runOrchestrator } from "../local/runtime/invoke.js";
import { findFunction } from "../local/runtime/registry.js";
import { figure, median, type BenchResult, type Row } from "./table.js";

const CHAIN = "BenchChain";
const WAITER = "BenchWaiter";
const ROUNDS = 7;

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
  // One growing array, as the runtime keeps an instance's history: the wire JSON of past events is built once.
  const past: HistoryEvent[] = [];
  const began = performance.now();
  for (const [k, start] of starts.entries()) {
    const end = starts[k + 1] ?? history.length;
    const newEvents = history.slice(start, end);
    await runOrchestrator(
      fn,
      { instanceId: "baseline", input: JSON.stringify(input), parentInstanceId: null, pastEvents: past, newEvents },
      env,
    );
    past.push(...newEvents);
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

interface ChainRound {
  ms: number;
  baselineMs: number;
  episodes: number;
  events: number;
  journalKiB: number;
}

async function chainRound(): Promise<ChainRound> {
  return withRuntime(async (runtime, storeDir) => {
    const started = performance.now();
    const id = await runtime.startNew(CHAIN, { input: 200 });
    await runtime.waitForCompletion(id);
    const ms = performance.now() - started;
    const history = await runtime.history(id);
    const journalKiB = (await storeBytes(storeDir)) / 1024;
    return { ms, baselineMs: await engineOnlyMs(history, 200), ...replayedEvents(history), journalKiB };
  });
}

export default async function runtimeBench(): Promise<BenchResult> {
  register();
  await chainRound();
  const rounds: ChainRound[] = [];
  for (let round = 0; round < ROUNDS; round += 1) rounds.push(await chainRound());
  const ms = Math.min(...rounds.map((r) => r.ms));
  const baselineMs = Math.min(...rounds.map((r) => r.baselineMs));
  const ratio = ms / baselineMs;
  const { episodes, events, journalKiB } = rounds[0] ?? { episodes: 0, events: 0, journalKiB: 0 };
  const rows: Row[] = [
    { figure: "200-step chain: wall time (fastest round)", value: ms, unit: "ms" },
    { figure: "baseline: same episodes, replay engine alone (fastest round)", value: baselineMs, unit: "ms" },
    { figure: "runtime / engine alone", value: ratio, unit: "x" },
    {
      figure: "runtime / engine alone, median of rounds",
      value: median(rounds.map((r) => r.ms / r.baselineMs)),
      unit: "x",
    },
    { figure: "200-step chain: episodes", value: episodes, unit: "" },
    { figure: "200-step chain: episodes per second", value: episodes / (ms / 1000), unit: "1/s" },
    { figure: "200-step chain: replayed events per second", value: events / (ms / 1000), unit: "1/s" },
    { figure: "200-step chain: journal size", value: journalKiB, unit: "KiB" },
  ];

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

  const value = (name: string): number => Number(rows.find((r) => String(r.figure).startsWith(name))?.value ?? 0);
  return {
    tables: [{ title: `Local runtime (${ROUNDS} rounds after a warm-up; virtual clock)`, rows }],
    summary:
      `200-step chain: ${figure(value("200-step chain: episodes per second"))} episodes/s, ` +
      `${figure(ratio, 2)}x the bare replay engine (fastest of ${ROUNDS} rounds each, ` +
      `same run; target <= 1.5x); 100 concurrent 20-step chains: ${figure(value("100 concurrent") / 1000, 1)} s; ` +
      `durable raiseEvent ${figure(value("durable raiseEvent"), 1)} ms`,
  };
}
