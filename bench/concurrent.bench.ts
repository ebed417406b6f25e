/**
 * A fleet: N concurrent data upgrades (2024.12.02 -> 2025.05.00) on one local runtime, each against its own
 * simulated cluster (the lock is per cluster), against one upgrade alone. CPU time (`process.cpuUsage`) and peak
 * resident memory (sampled) of the whole process: app, runtime and simulators. The per-upgrade CPU ratio should stay
 * flat (target within 1.2x). Set CONCURRENT_SIZE to change N (default 100).
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import { startSimulator, type ScenarioInput, type Simulator } from "../local/sim/index.js";
import { demoClustersYaml } from "../local/demoProfile.js";
import { readOutbox } from "../lib/mail/index.js";
import type { RunView } from "../lib/workflow/model.js";
import { startDemo, type Demo } from "../test/e2e/harness.js";
import { figure, type BenchResult } from "./table.js";

const TIME_SCALE = 0.05;
const fleetSize = (): number => Number(process.env.CONCURRENT_SIZE ?? 100);

/** More simulated clusters beside the demo's, sharing its clock, token and CA (one trusted CA for the app). */
export async function moreClusters(demo: Demo, count: number, scenario?: ScenarioInput): Promise<Simulator[]> {
  const sims: Simulator[] = [];
  for (let i = 1; i <= count; i++) {
    const dataDir = path.join(demo.dir, `sim-${i}`);
    await mkdir(dataDir, { recursive: true });
    for (const file of ["ca.crt", "server.crt", "server.key"])
      await copyFile(path.join(demo.dir, "sim", file), path.join(dataDir, file));
    sims.push(
      await startSimulator({
        dataDir,
        clock: demo.clock,
        timeScale: TIME_SCALE,
        token: demo.app.sim.token,
        ...(scenario ? { scenario } : {}),
      }),
    );
  }
  return sims;
}

/** clusters.yaml with one profile per simulator, `fleet-<n>`, each a copy of the demo profile pointed at it. */
export async function writeFleetProfiles(demo: Demo, sims: Simulator[]): Promise<string[]> {
  const file = process.env.CLUSTERS_FILE!;
  const base = await readFile(file, "utf8");
  const doc = parseDocument(base);
  const clusters = doc.get("clusters");
  if (!isSeq(clusters)) throw new Error("clusters.yaml has no clusters list");
  const names: string[] = [];
  for (const [i, sim] of sims.entries()) {
    const pointed = parseDocument(demoClustersYaml(base, sim)).get("clusters");
    const profile = isSeq(pointed) ? pointed.items.find((p) => isMap(p) && p.get("name") === "demo") : undefined;
    if (!isMap(profile)) throw new Error("no demo profile");
    const name = `fleet-${String(i + 1).padStart(3, "0")}`;
    profile.set("name", name);
    clusters.items.push(profile);
    names.push(name);
  }
  await writeFile(file, doc.toString());
  return names;
}

interface Measure {
  upgrades: number;
  cpuMs: number;
  peakRssMb: number;
  wallMs: number;
  completed: number;
}

/** Starts one data upgrade per cluster, approves each through its mailed link, drives all to the end. */
async function upgradeAll(demo: Demo, clusters: string[]): Promise<Measure> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const ids = await Promise.all(
    clusters.map(async (cluster) => {
      const reply = await demo.api<{ id: string }>("POST", "/api/upgrades", {
        cluster,
        targetRelease: "2025.05.00",
        requestedBy: { name: "Ops", email: "ops@contoso.example" },
      });
      if (reply.status !== 202) throw new Error(`start ${cluster}: ${reply.status} ${reply.text}`);
      return reply.body.id;
    }),
  );
  const runtime = demo.app.runtime;
  const views = async () => Promise.all(ids.map(async (id) => ({ id, status: await runtime.getStatus(id) })));
  const approved = new Set<string>();
  await runtime.runUntil(
    async () => {
      const all = await views();
      const waiting = all.filter(
        (v) => (v.status?.customStatus as RunView | undefined)?.status === "awaiting-approval" && !approved.has(v.id),
      );
      if (waiting.length > 0) {
        const mails = await readOutbox(demo.app.outboxDir);
        await Promise.all(
          waiting.map(async ({ id }) => {
            const mail = mails.find(
              (m) => m.headers["X-CluedIn-Upgrade-Run"] === id && /Approval needed/.test(m.subject),
            );
            const link = mail?.text.match(/https?:\/\/\S+\/api\/approvals\/[A-Za-z0-9._%-]+/)?.[0];
            if (!link) return;
            approved.add(id);
            await demo.decide(link, "approve");
          }),
        );
      }
      return all.every((v) => ["Completed", "Failed", "Terminated"].includes(String(v.status?.runtimeStatus)));
    },
    { maxVirtualMs: 12 * 3_600_000, timeoutMs: 900_000 },
  );
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  const outputs = await views();
  return {
    upgrades: clusters.length,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: peak / 2 ** 20,
    wallMs: performance.now() - wall,
    completed: outputs.filter((v) => (v.status?.output as { status?: string } | null)?.status === "completed").length,
  };
}

async function measure(count: number): Promise<Measure> {
  const demo = await startDemo({ timeScale: TIME_SCALE, activityConcurrency: 16 });
  const sims = await moreClusters(demo, count);
  try {
    const clusters = await writeFleetProfiles(demo, sims);
    return await upgradeAll(demo, clusters);
  } finally {
    await Promise.all(sims.map((sim) => sim.close()));
    await demo.close();
  }
}

export default async function fleetBench(): Promise<BenchResult> {
  const size = fleetSize();
  // The first upgrade in a process also pays for JIT warm-up, first TLS handshakes and configuration loading.
  await measure(1);
  const one = await measure(1);
  const fleet = await measure(size);
  const row = (m: Measure) => ({
    upgrades: m.upgrades,
    completed: m.completed,
    "wall s": m.wallMs / 1000,
    "CPU s": m.cpuMs / 1000,
    "CPU s per upgrade": m.cpuMs / 1000 / m.upgrades,
    "peak RSS MiB": m.peakRssMb,
    "per-upgrade CPU vs one": m.cpuMs / m.upgrades / one.cpuMs,
  });
  const ratio = fleet.cpuMs / fleet.upgrades / one.cpuMs;
  return {
    tables: [
      {
        title: `Fleet of ${size} concurrent data upgrades, each on its own simulated cluster (one process)`,
        rows: [row(one), row(fleet)],
      },
    ],
    summary:
      `${size} concurrent data upgrades on one runtime: ${figure(fleet.cpuMs / 1000 / fleet.upgrades, 2)} CPU s per ` +
      `upgrade against ${figure(one.cpuMs / 1000, 2)} s for one alone (${figure(ratio, 2)}x, target <= 1.2x); ` +
      `peak RSS ${figure(fleet.peakRssMb)} MiB vs ${figure(one.peakRssMb)} MiB`,
  };
}
