/**
 * The upgrade workflow's footprint and overhead on the local runtime against the simulator (virtual clock):
 * history events of the upgrade orchestration and of the largest instance, episodes and events replayed across
 * every instance (sub-orchestrations included), wall time, per basic and per data upgrade; and the automation's
 * overhead on downtime: how much longer than the cluster's own roll-out time T the run's downtime is (Helm start
 * to verification success), by poll interval, at time scale 1.
 */
import { registeredFunctions, TriggerType, type RegisteredFunction } from "../local/runtime/registry.js";
import { approve, startDemo, type Demo } from "../test/e2e/harness.js";
import { figure, type BenchResult } from "./table.js";

const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };

interface Replay {
  episodes: number;
  events: number;
  largest: number;
  instances: Set<string>;
}

const replay: Replay = { episodes: 0, events: 0, largest: 0, instances: new Set() };
const wrapped = new WeakSet<RegisteredFunction>();

/**
 * Counts what every orchestrator episode is handed: the whole history, replayed. Wraps the registered handlers the
 * runtime calls, so the figures are the engine's own input, not an estimate.
 */
function countReplays(): void {
  for (const fn of registeredFunctions()) {
    if (fn.triggerType !== TriggerType.orchestration || wrapped.has(fn)) continue;
    const handler = fn.handler;
    fn.handler = (trigger, context) => {
      const { history, instanceId } = trigger as { history: unknown[]; instanceId: string };
      replay.episodes++;
      replay.events += history.length;
      replay.largest = Math.max(replay.largest, history.length);
      replay.instances.add(instanceId);
      return handler(trigger, context);
    };
    wrapped.add(fn);
  }
}

function resetReplays(): void {
  Object.assign(replay, { episodes: 0, events: 0, largest: 0, instances: new Set() });
}

async function footprint(kind: "basic" | "data"): Promise<Record<string, string | number>> {
  const demo = await startDemo(kind === "basic" ? { scenario: BASIC } : {});
  try {
    countReplays();
    resetReplays();
    const wallStart = performance.now();
    const virtualStart = demo.clock.now();
    const id = await demo.start(kind === "basic" ? "2024.12.02" : "2025.05.00");
    await approve(demo, id);
    const run = await demo.finished(id);
    if (run.status !== "completed") throw new Error(`${kind} upgrade ended ${run.status}: ${run.reason}`);
    return {
      upgrade: kind,
      "upgrade history": (await demo.app.runtime.history(id)).length,
      "largest history replayed": replay.largest,
      instances: replay.instances.size,
      episodes: replay.episodes,
      "replayed events": replay.events,
      "wall ms": Math.round(performance.now() - wallStart),
      "virtual min": (demo.clock.now() - virtualStart) / 60_000,
    };
  } finally {
    await demo.close();
  }
}

/** Image pulls of different lengths, so that the roll-out ends at different phases of the poll cycle. */
const PULL_OFFSETS_MS = [0, 370, 1_130, 2_410, 3_790, 7_250, 13_900];

/** Downtime as the run records it, against T: the roll-out time of the simulated cluster itself. */
async function overheadOnce(pollInterval: string, pullOffsetMs: number): Promise<{ t: number; downtime: number }> {
  const demo: Demo = await startDemo({
    scenario: { ...BASIC, timings: { imagePullMs: 40_000 + pullOffsetMs } },
    timeScale: 1,
    profile: { timings: { pollInterval } },
  });
  try {
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);
    if (run.status !== "completed") throw new Error(`upgrade ended ${run.status}: ${run.reason}`);
    const helm = demo.app.sim.state().commands.find((c) => /helm upgrade/.test(c.command));
    const stage = (name: string) => run.stages.find((s) => s.name === name);
    const started = Date.parse(stage("helm-upgrade")!.startedAt);
    const verified = Date.parse(stage("verify")!.endedAt!);
    // The cluster's own time: from the Run Command submission until helm --wait saw every pod ready.
    const t = Date.parse(helm!.finishedAt!) - Date.parse(helm!.submittedAt);
    return { t, downtime: verified - started };
  } finally {
    await demo.close();
  }
}

async function overhead(pollInterval: string): Promise<Record<string, string | number>> {
  const samples = [];
  for (const offset of PULL_OFFSETS_MS) samples.push(await overheadOnce(pollInterval, offset));
  const percents = samples.map((s) => ((s.downtime - s.t) / s.t) * 100);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    "poll interval": pollInterval,
    runs: samples.length,
    "mean T (s)": mean(samples.map((s) => s.t)) / 1000,
    "mean overhead (s)": mean(samples.map((s) => s.downtime - s.t)) / 1000,
    "mean overhead %": mean(percents),
    "max overhead %": Math.max(...percents),
  };
}

export default async function workflowBench(): Promise<BenchResult> {
  const footprints = [await footprint("basic"), await footprint("data")];
  const overheads: Record<string, string | number>[] = [];
  for (const interval of ["1s", "2s", "5s", "30s"]) overheads.push(await overhead(interval));
  const [basic, data] = footprints;
  const at = (interval: string): string =>
    `${figure(Number(overheads.find((r) => r["poll interval"] === interval)?.["mean overhead %"] ?? 0), 2)} %`;
  const describe = (f: Record<string, string | number> | undefined): string =>
    `${f?.["upgrade history"]} history events (largest instance ${f?.["largest history replayed"]}), ` +
    `${figure(Number(f?.["replayed events"] ?? 0))} replayed events, ${figure(Number(f?.["wall ms"] ?? 0) / 1000, 1)} s wall`;
  return {
    tables: [
      { title: "Orchestration footprint of one upgrade (time scale 0.05, virtual clock)", rows: footprints },
      {
        title: `Automation overhead on downtime: basic upgrade at time scale 1 (virtual clock), ${PULL_OFFSETS_MS.length} roll-out lengths`,
        rows: overheads,
      },
    ],
    summary:
      `basic upgrade: ${describe(basic)}; data upgrade: ${describe(data)}; downtime beyond the cluster's own ` +
      `roll-out time: ${at("2s")} at the demo's 2 s poll, ${at("5s")} at 5 s, ${at("30s")} at 30 s (target 2 %)`,
  };
}
