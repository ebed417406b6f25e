/**
 * The upgrade workflow's footprint and overhead on the local runtime against the simulator (virtual clock):
 * history events of the upgrade orchestration and of the largest instance, episodes and events replayed across
 * every instance (sub-orchestrations included), wall time, per basic and per data upgrade; and the automation's
 * overhead on downtime: how much longer than the cluster's own roll-out time T the run's downtime is (Helm start
 * to verification success), at the production profile's 30 s interval and time scale 1, with polling at the fixed
 * interval (runs of version 2.2) and adaptive (2.3), side by side.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { registeredFunctions, TriggerType, type RegisteredFunction } from "../local/runtime/registry.js";
import { DEFAULT_TIMINGS } from "../local/sim/model/timings.js";
import type { SimState } from "../local/sim/model/world.js";
import { ORCHESTRATION_VERSION } from "../lib/workflow/version.js";
import { approve, startDemo, type Demo } from "../test/e2e/harness.js";
import { figure, type BenchResult } from "./table.js";

/** The version before adaptive polling (lib/workflow/version.ts BEHAVIOUR_SINCE.adaptivePolling). */
const PREVIOUS_VERSION = "2.2";

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

/**
 * Rollout lengths: the Helm apply takes this much longer than the simulator's default in each sample, so the cluster
 * settles at different phases of a 30 s poll cycle (0 to 27 s apart). The first sample of each demo is a warm-up run:
 * it leaves the audit record that adaptive polling reads as "this cluster's previous run", and is not measured.
 */
const APPLY_OFFSETS_MS = [11_000, 0, 3_700, 8_100, 12_900, 17_300, 21_600, 26_200];

/** The production profile's timings (config/clusters.yaml `prod`, which are lib/config/clusters.ts's defaults). */
async function prodTimings(): Promise<Record<string, string>> {
  const doc = parse(await readFile(path.resolve("config/clusters.yaml"), "utf8")) as {
    clusters: { name: string; timings: Record<string, string> }[];
  };
  const prod = doc.clusters.find((c) => c.name === "prod");
  if (!prod) throw new Error("config/clusters.yaml has no prod profile");
  return prod.timings;
}

interface Sample {
  /** The cluster's own time across the run's phases (see `clusterTime`). */
  t: number;
  downtime: number;
  history: number;
  replayed: number;
}

/**
 * T: the cluster's own time. Basic: from the Helm Run Command's submission until the cluster settled (every pod ready,
 * the database jobs complete). Data upgrade: the same for the upgrade-mode command, plus the DataUpgrade's creation to
 * the server's answer, plus the finalize command's submission to settling.
 */
function clusterTime(state: SimState, kind: "basic" | "data"): number {
  const helm = state.commands.filter((c) => /helm upgrade/.test(c.command));
  const rollouts = state.rollouts.filter((r) => r.kind === "upgrade");
  const settle = (i: number): number => {
    const settledAt = rollouts[i]?.settledAt;
    const submittedAt = helm[i]?.submittedAt;
    if (!settledAt || !submittedAt) throw new Error(`rollout ${i} did not settle`);
    return Date.parse(settledAt) - Date.parse(submittedAt);
  };
  if (kind === "basic") return settle(0);
  const created = state.dataUpgradeCreations[0]?.at;
  const answered = state.dataUpgradeEnds[0]?.at;
  if (!created || !answered) throw new Error("the data upgrade did not answer");
  return settle(0) + (Date.parse(answered) - Date.parse(created)) + settle(1);
}

async function overheadRuns(kind: "basic" | "data", adaptive: boolean): Promise<Sample[]> {
  const scenario = (offset: number) => ({
    ...(kind === "basic" ? BASIC : {}),
    timings: { helmApplyMs: DEFAULT_TIMINGS.helmApplyMs + offset },
  });
  const demo: Demo = await startDemo({
    scenario: scenario(APPLY_OFFSETS_MS[0] ?? 0),
    timeScale: 1,
    timingSet: "runbook",
    // Polling alone: the image pre-pull (measured by bench/prepull.bench.ts) would shorten T in the 2.3 runs only.
    profile: { timings: await prodTimings(), policies: { prePull: "off" } },
    // Today's behaviour: the version before adaptive polling, which polls at the profile's fixed interval.
    orchestrationVersion: adaptive ? ORCHESTRATION_VERSION : PREVIOUS_VERSION,
  });
  try {
    countReplays();
    const samples: Sample[] = [];
    for (const [i, offset] of APPLY_OFFSETS_MS.entries()) {
      if (i > 0) await demo.app.sim.reset(scenario(offset));
      resetReplays();
      const id = await demo.start(kind === "basic" ? "2024.12.02" : "2025.05.00");
      await approve(demo, id);
      const run = await demo.finished(id);
      if (run.status !== "completed") throw new Error(`${kind} upgrade ended ${run.status}: ${run.reason}`);
      const down = run.stages.find((s) => s.name === (kind === "basic" ? "helm-upgrade" : "upgrade-mode"));
      const verified = run.stages.find((s) => s.name === "verify" && s.state === "succeeded");
      if (!down || !verified?.endedAt) throw new Error(`${kind} upgrade has no downtime`);
      if (i === 0) continue;
      samples.push({
        t: clusterTime(demo.app.sim.state(), kind),
        downtime: Date.parse(verified.endedAt) - Date.parse(down.startedAt),
        history: (await demo.app.runtime.history(id)).length,
        replayed: replay.events,
      });
    }
    return samples;
  } finally {
    await demo.close();
  }
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

function overheadRow(kind: "basic" | "data", adaptive: boolean, samples: Sample[]): Record<string, string | number> {
  const over = samples.map((s) => (s.downtime - s.t) / 1000);
  const percents = samples.map((s) => ((s.downtime - s.t) / s.t) * 100);
  return {
    upgrade: kind,
    polling: adaptive ? `adaptive (${ORCHESTRATION_VERSION})` : `fixed 30 s (${PREVIOUS_VERSION})`,
    runs: samples.length,
    "mean T (s)": mean(samples.map((s) => s.t)) / 1000,
    "mean overhead (s)": mean(over),
    "max overhead (s)": Math.max(...over),
    "mean overhead %": mean(percents),
    "max overhead %": Math.max(...percents),
    "upgrade history (max)": Math.max(...samples.map((s) => s.history)),
    "replayed events (mean)": Math.round(mean(samples.map((s) => s.replayed))),
  };
}

export default async function workflowBench(): Promise<BenchResult> {
  const footprints = [await footprint("basic"), await footprint("data")];
  const overheads: Record<string, string | number>[] = [];
  const verdicts: string[] = [];
  for (const kind of ["basic", "data"] as const) {
    const fixed = overheadRow(kind, false, await overheadRuns(kind, false));
    const adaptive = overheadRow(kind, true, await overheadRuns(kind, true));
    overheads.push(fixed, adaptive);
    const n = (row: Record<string, string | number>, key: string): number => Number(row[key]);
    const growth = (n(adaptive, "replayed events (mean)") / n(fixed, "replayed events (mean)") - 1) * 100;
    const meets = (ok: boolean): string => (ok ? "met" : "MISSED");
    verdicts.push(
      `${kind}: mean overhead ${figure(n(adaptive, "mean overhead (s)"), 2)} s / ${figure(n(adaptive, "mean overhead %"), 2)} % ` +
        `(target <= 5 s and <= 1 %: ${meets(n(adaptive, "mean overhead (s)") <= 5 && n(adaptive, "mean overhead %") <= 1)}), ` +
        `max ${figure(n(adaptive, "max overhead (s)"), 2)} s (target <= 15 s: ${meets(n(adaptive, "max overhead (s)") <= 15)}), ` +
        `history ${n(adaptive, "upgrade history (max)")} events (target < 150: ${meets(n(adaptive, "upgrade history (max)") < 150)}), ` +
        `replayed events ${growth >= 0 ? "+" : ""}${figure(growth, 1)} % against fixed 30 s (target <= +25 %: ${meets(growth <= 25)})`,
    );
  }
  const [basic, data] = footprints;
  const describe = (f: Record<string, string | number> | undefined): string =>
    `${f?.["upgrade history"]} history events (largest instance ${f?.["largest history replayed"]}), ` +
    `${figure(Number(f?.["replayed events"] ?? 0))} replayed events, ${figure(Number(f?.["wall ms"] ?? 0) / 1000, 1)} s wall`;
  return {
    tables: [
      { title: "Orchestration footprint of one upgrade (time scale 0.05, virtual clock)", rows: footprints },
      {
        title:
          `Automation overhead on downtime at the prod profile's timings (poll interval 30 s), time scale 1 ` +
          `(virtual clock), ${APPLY_OFFSETS_MS.length - 1} roll-out lengths after a warm-up run: fixed interval (today) ` +
          `and adaptive polling`,
        rows: overheads,
      },
    ],
    notes: [
      "Overhead = downtime as the run records it (first Helm stage start to verification success) minus T, the " +
        "cluster's own time: Run Command submission to every pod ready and the database jobs complete, per Helm " +
        "change, plus the DataUpgrade's creation to the server's answer. Replayed events: every orchestrator " +
        "episode's history length, summed over all instances of one run.",
      ...verdicts,
    ],
    summary: `basic upgrade: ${describe(basic)}; data upgrade: ${describe(data)}; ${verdicts.join("; ")}`,
  };
}
