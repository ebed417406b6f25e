/**
 * Runs one cell of the fault matrix: the real app on the virtual clock against the simulator with the cell's
 * faults, approved through the e-mailed link, every later question answered by the cell's policy, the runtime
 * killed and restarted at random points when the cell says so. Returns what the invariants need.
 */
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { resetServices } from "../../lib/services.js";
import { seededRandom } from "../../local/sim/core/hash.js";
import { NO_FAULTS, type SimState } from "../../local/sim/index.js";
import type { UpgradeResource } from "../../lib/workflow/status.js";
import { APPROVER, startDemo, type Demo } from "../e2e/harness.js";
import { claimsOf, tokenOf } from "../security/support.js";
import type { Cell, Policy } from "./cells.js";

export const OPERATOR = "operators@contoso.example";
const BASIC_SCENARIO = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };
const MAX_RESTARTS = 4;
const MAX_DECISIONS = 8;

export interface Answered {
  kind: string;
  choice: string;
  status: number;
}

export interface CellRun {
  cell: Cell;
  demo: Demo;
  id: string;
  run: UpgradeResource;
  /** Orchestration runtime status of the upgrade instance: `Completed` unless the workflow itself broke. */
  runtimeStatus: string;
  before: SimState;
  after: SimState;
  answered: Answered[];
  restarts: number;
  /** Whether the cell's `during` faults were injected (the run reached their stage while idle). */
  injected: boolean;
  log: string[];
  targetRelease: string;
  fromRelease: string;
}

/** The operator's answer to each kind of question, by policy. */
export function choiceFor(kind: string, policy: Policy): string {
  switch (kind) {
    case "approval":
      return "approve";
    case "rollback":
    case "recover-pending":
      return policy === "retry" ? "rollback" : kind === "rollback" ? "leave" : "stop";
    case "halted-data-upgrade":
      return policy === "retry" ? "retry" : "stop";
    case "restore":
      return policy === "restore" ? "restore" : "leave";
    default:
      throw new Error(`no policy for ${kind}`);
  }
}

/** Every fault off; the seed stays as the cell set it. */
const { seed: _seed, ...CLEARED } = NO_FAULTS;

/** Points the app's mail at a path below a regular file: writing there fails for any user, root included. */
function breakMail(demo: Demo): void {
  process.env.MAIL_OUTBOX_DIR = path.join(demo.dir, "clusters.yaml", "outbox");
  resetServices();
}

/** Drives the run until `until` holds; with chaos, kills and restarts the runtime at random points on the way. */
async function drive(
  demo: Demo,
  id: string,
  until: (r: UpgradeResource) => boolean,
  chaos: { random: () => number; restarts: number } | undefined,
): Promise<UpgradeResource> {
  if (!chaos || chaos.restarts >= MAX_RESTARTS) return demo.until(id, until);
  let steps = 1 + Math.floor(chaos.random() * 8);
  let last: UpgradeResource | undefined;
  await demo.app.runtime.runUntil(
    async () => {
      last = await demo.run(id);
      return until(last) || --steps <= 0;
    },
    { maxVirtualMs: 6 * 3_600_000, timeoutMs: 60_000 },
  );
  if (last && until(last)) return last;
  // Half the kills land while the runtime is idle, half in the burst of work a fired timer starts.
  if (chaos.random() < 0.5) {
    demo.clock.advanceToNext();
    await sleep(Math.floor(chaos.random() * 40));
  }
  await demo.app.restartRuntime();
  chaos.restarts++;
  return drive(demo, id, until, chaos);
}

export async function runCell(cell: Cell): Promise<CellRun> {
  const log: string[] = [];
  const basic = cell.mode === "basic";
  const demo = await startDemo({
    ...(basic ? { scenario: BASIC_SCENARIO } : {}),
    ...(cell.faults ? { faults: cell.faults } : {}),
    ...(cell.profile ? { profile: cell.profile } : {}),
    log: (line) => log.push(line),
  });
  try {
    return await driveCell(cell, demo, log);
  } catch (error) {
    await demo.close();
    throw error;
  }
}

async function driveCell(cell: Cell, demo: Demo, log: string[]): Promise<CellRun> {
  const basic = cell.mode === "basic";
  const before = demo.app.sim.state();
  if (cell.mail === "dead") breakMail(demo);
  const targetRelease = basic ? "2024.12.02" : "2025.05.00";
  const id = await demo.start(targetRelease);
  const chaos = cell.chaos === undefined ? undefined : { random: seededRandom(cell.chaos), restarts: 0 };
  const answered: Answered[] = [];
  const asked = new Set<string>();
  const waitsForUs = (r: UpgradeResource) => !!r.approvals.pending && !asked.has(r.approvals.pending.requestId);
  let injected = false;
  const injectNow = (r: UpgradeResource) => !!cell.during && !injected && r.stage === cell.during.stage;
  const next = (r: UpgradeResource) => r.finished || waitsForUs(r) || injectNow(r);

  let run = await drive(demo, id, next, chaos);
  while (!run.finished && answered.length < MAX_DECISIONS) {
    if (injectNow(run)) {
      demo.app.sim.setFaults(cell.during!.faults);
      injected = true;
      run = await drive(demo, id, next, chaos);
      continue;
    }
    const pending = run.approvals.pending!;
    asked.add(pending.requestId);
    const choice = choiceFor(pending.kind, cell.policy);
    if (pending.kind !== "approval" && cell.policy === "retry") demo.app.sim.setFaults(CLEARED);
    const to = pending.kind === "approval" ? APPROVER : OPERATOR;
    const link = (await demo.links(id, to)).filter((l) => claimsOf(tokenOf(l)).req === pending.requestId).at(-1);
    if (link) {
      const reply = await demo.decide(link, choice, "fault matrix policy");
      answered.push({ kind: pending.kind, choice, status: reply.status });
    }
    if (pending.kind === "approval" && cell.mail === "after-approval") breakMail(demo);
    run = await drive(demo, id, next, chaos);
  }
  run = await demo.finished(id);
  const status = await demo.app.runtime.getStatus(id);
  return {
    cell,
    demo,
    id,
    run,
    runtimeStatus: String(status?.runtimeStatus),
    before,
    after: demo.app.sim.state(),
    answered,
    restarts: chaos?.restarts ?? 0,
    injected,
    log,
    targetRelease,
    fromRelease: basic ? "2024.12.01" : "2024.12.02",
  };
}
