/**
 * A fleet wave: WAVE_SIZE clusters (default 500) in three stages (canary 2%, early 18%, broad 80%; an approval gate
 * before broad; a soak after each), every cluster running the real upgrade sub-orchestration (basic upgrade
 * 2024.12.01 -> 2024.12.02) against its own simulated cluster, on the virtual clock; against a one-cluster wave.
 * Reports the wave's own history events (and the largest stage's), wall time, process CPU per cluster (app, runtime
 * and simulators together) and peak resident memory (sampled).
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { WaveResource } from "../lib/fleet/resource.js";
import { APPROVER, startDemo, type Demo } from "../test/e2e/harness.js";
import { moreClusters, writeFleetProfiles } from "./concurrent.bench.js";
import { printTable } from "./table.js";

const TIME_SCALE = 0.05;
const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };
const waveSize = (): number => Number(process.env.WAVE_SIZE ?? 500);

function strategyYaml(clusters: string[]): string {
  const canary = Math.max(1, Math.round(clusters.length * 0.02));
  const early = Math.round(clusters.length * 0.18);
  const stages = [
    { name: "canary", clusters: clusters.slice(0, canary), maxConcurrency: "100%" },
    { name: "early", clusters: clusters.slice(canary, canary + early), maxConcurrency: 30 },
    { name: "broad", clusters: clusters.slice(canary + early), maxConcurrency: 50, gate: true },
  ].filter((s) => s.clusters.length > 0);
  return stringify({
    strategies: [
      {
        name: "bench",
        stages: stages.map((s) => ({
          name: s.name,
          maxAllowedFailures: "2%",
          afterStageWait: "10m",
          ...(s.gate ? { gates: { before: [{ type: "approval", approvers: [APPROVER] }] } } : {}),
          groups: [{ name: s.name, clusters: s.clusters, maxConcurrency: s.maxConcurrency }],
        })),
      },
    ],
  });
}

interface Measure {
  clusters: number;
  status: string;
  waveEvents: number;
  largestStageEvents: number;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
}

async function runWave(demo: Demo, size: number): Promise<Measure> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const started = await demo.api<{ id: string }>("POST", "/api/waves", {
    strategy: "bench",
    targetRelease: "2024.12.02",
    requestedBy: { name: "Ops", email: "ops@contoso.example" },
  });
  if (started.status !== 202) throw new Error(`start: ${started.status} ${started.text}`);
  const id = started.body.id;
  const approved = new Set<string>();
  let last: WaveResource | undefined;
  await demo.app.runtime.runUntil(
    async () => {
      last = (await demo.api<WaveResource>("GET", `/api/waves/${id}`)).body;
      for (const gate of last.waiting)
        if (gate.instance && !approved.has(gate.instance)) {
          const link = (await demo.links(gate.instance, APPROVER)).at(-1);
          if (link && (await demo.decide(link, "approve")).status === 200) approved.add(gate.instance);
        }
      return last.finished || ["failed", "stopped", "completed-with-failures"].includes(last.status);
    },
    { maxVirtualMs: 7 * 24 * 3_600_000, timeoutMs: 3_600_000 },
  );
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wall;
  clearInterval(sampler);
  const waveEvents = (await demo.app.runtime.history(id)).length;
  const stageIds = (await demo.app.runtime.list()).filter((s) => s.name === "waveStage").map((s) => s.instanceId);
  const stageEvents = await Promise.all(stageIds.map(async (s) => (await demo.app.runtime.history(s)).length));
  return {
    clusters: size,
    status: last?.status ?? "?",
    waveEvents,
    largestStageEvents: Math.max(0, ...stageEvents),
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: peak / 2 ** 20,
  };
}

async function measure(size: number): Promise<Measure> {
  const demo = await startDemo({ timeScale: TIME_SCALE, scenario: BASIC, activityConcurrency: 16 });
  const sims = await moreClusters(demo, size - 1, BASIC);
  try {
    const names = ["demo", ...(await writeFleetProfiles(demo, sims))];
    const fleetsFile = path.join(demo.dir, "fleets.yaml");
    await writeFile(fleetsFile, strategyYaml(names));
    process.env.FLEETS_FILE = fleetsFile;
    return await runWave(demo, size);
  } finally {
    await Promise.all(sims.map((sim) => sim.close()));
    // Not demo.close(): it records the largest custom status for the test run, which needs vitest.
    await demo.app.close();
    await rm(demo.dir, { recursive: true, force: true });
  }
}

export default async function fleetWaveBench(): Promise<void> {
  const size = waveSize();
  // The first wave in a process also pays for JIT warm-up, first TLS handshakes and configuration loading.
  await measure(1);
  const one = await measure(1);
  const wave = await measure(size);
  const row = (m: Measure) => ({
    clusters: m.clusters,
    status: m.status,
    "wave history events": m.waveEvents,
    "largest stage history events": m.largestStageEvents,
    "wall s": m.wallMs / 1000,
    "CPU s": m.cpuMs / 1000,
    "CPU s per cluster": m.cpuMs / 1000 / m.clusters,
    "per-cluster CPU vs one": m.cpuMs / m.clusters / one.cpuMs,
    "peak RSS MiB": m.peakRssMb,
  });
  console.log(`A ${size}-cluster, 3-stage wave: the real upgrade per cluster, each on its own simulated cluster`);
  printTable([row(one), row(wave)]);
}
