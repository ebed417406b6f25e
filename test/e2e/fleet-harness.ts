/** Driving fleet waves end to end: start, read and wait on a wave through its HTTP routes, approve its gates. */
import type { WaveResource } from "../../lib/fleet/resource.js";
import { APPROVER, REQUESTER, type Demo } from "./harness.js";

/** Basic upgrades (2024.12.01 -> 2024.12.02) keep a six-cluster wave quick on the virtual clock. */
export const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };
export const TARGET = "2024.12.02";

export async function startWave(demo: Demo, strategy = "demo", targetRelease = TARGET): Promise<string> {
  const reply = await demo.api<{ id: string }>("POST", "/api/waves", {
    strategy,
    targetRelease,
    requestedBy: REQUESTER,
  });
  if (reply.status !== 202) throw new Error(`start wave: ${reply.status} ${reply.text}`);
  return reply.body.id;
}

export async function readWave(demo: Demo, id: string): Promise<WaveResource> {
  const reply = await demo.api<WaveResource>("GET", `/api/waves/${id}`);
  if (reply.status !== 200) throw new Error(`GET /api/waves/${id}: ${reply.status} ${reply.text}`);
  return reply.body;
}

export async function untilWave(
  demo: Demo,
  id: string,
  predicate: (wave: WaveResource) => boolean,
  maxVirtualMs = 12 * 3_600_000,
): Promise<WaveResource> {
  let last: WaveResource | undefined;
  await demo.app.runtime.runUntil(
    async () => {
      last = await readWave(demo, id);
      return predicate(last);
    },
    { maxVirtualMs, timeoutMs: 240_000 },
  );
  return last!;
}

export const states = (wave: WaveResource, stage: string): string[] =>
  wave.stages.find((s) => s.name === stage)?.clusters.map((c) => `${c.cluster}:${c.state}`) ?? [];

/** Approves the approval gate the wave waits on, through the link e-mailed to the approver. */
export async function approveGate(demo: Demo, wave: WaveResource, approver = APPROVER): Promise<void> {
  const instance = wave.waiting[0]?.instance;
  if (!instance) throw new Error(`wave ${wave.id} waits on no approval gate`);
  const link = (await demo.links(instance, approver)).at(-1);
  if (!link) throw new Error(`no gate link for ${approver}`);
  const reply = await demo.decide(link, "approve", "CAB approved the production stage");
  if (reply.status !== 200) throw new Error(`approve gate: ${reply.status} ${reply.text}`);
}

/** Helm upgrades each cluster of the fleet saw. */
export const helmUpgrades = (demo: Demo): Record<string, number> =>
  Object.fromEntries(
    [...(demo.app.fleet?.sims ?? [])].map(([name, sim]) => [
      name,
      sim.state().helmOperations.filter((op) => op.kind === "upgrade").length,
    ]),
  );
