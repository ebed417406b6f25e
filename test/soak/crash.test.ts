/**
 * Crash-safety soak: full data upgrades whose app process is killed with SIGKILL at a random moment and restarted on
 * the same store. Every run must complete with exactly two helm upgrades and one DataUpgrade, and no approval lost.
 * `npm run soak` runs 20; `npm test` runs SOAK_RUNS (default 1).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RealClock } from "../../local/clock.js";
import { startSimulator, type Simulator } from "../../local/sim/index.js";
import { readOutbox } from "../../lib/mail/index.js";
import type { UpgradeResource } from "../../lib/workflow/status.js";

const RUNS = Number(process.env.SOAK_RUNS ?? 1);
const APPROVER = "approver@contoso.example";

let dir: string;
let sim: Simulator;
let targetFile: string;
let port: number;

/** Deterministic "random" moments, so a failing run can be replayed. */
function* moments(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield x / 2 ** 31;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

async function startChild(): Promise<ChildProcess> {
  // Node itself with tsx's loader: a tsx wrapper process would take the SIGKILL and leave the app running.
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("test/soak/child.ts"), targetFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
    if (process.env.SOAK_DEBUG) process.stderr.write(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("ready ")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`app process exited (${code}) before it was ready: ${errors}`)));
  });
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

async function api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    ...(body ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function waitFor(id: string, done: (run: UpgradeResource) => boolean, seconds = 120): Promise<UpgradeResource> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const reply = await api<UpgradeResource>("GET", `/api/upgrades/${id}`).catch(() => undefined);
    if (reply?.status === 200 && done(reply.body)) return reply.body;
    if (Date.now() > until)
      throw new Error(`run ${id} did not get there in ${seconds} s (last: ${reply?.body.status})`);
    await sleep(250);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-soak-"));
  // Real time: the compact timing set keeps each run to seconds, as the e2e tests' does.
  sim = await startSimulator({
    dataDir: path.join(dir, "sim-data"),
    clock: new RealClock(),
    timeScale: 0.02,
    timingSet: "compact",
  });
  port = await freePort();
  targetFile = path.join(dir, "target.json");
  await writeFile(
    targetFile,
    JSON.stringify({
      target: {
        armEndpoint: sim.armEndpoint,
        uiUrl: sim.uiUrl,
        subscriptionId: sim.subscriptionId,
        resourceGroup: sim.resourceGroup,
        clusterName: sim.clusterName,
        token: sim.token,
        caCertPem: sim.caCertPem,
      },
      dir: path.join(dir, "app"),
      port,
    }),
  );
});

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`crash safety: ${RUNS} data upgrades, each with the app process SIGKILLed and restarted`, () => {
  const random = moments(20261127);
  for (let n = 1; n <= RUNS; n++) {
    it(`run ${n}`, { timeout: 240_000 }, async () => {
      await sim.reset();
      let child = await startChild();
      try {
        const started = await api<{ id: string }>("POST", "/api/upgrades", {
          cluster: "demo",
          targetRelease: "2025.05.00",
          requestedBy: { name: "Ops", email: "ops@contoso.example" },
        });
        expect(started.status).toBe(202);
        const id = started.body.id;
        await waitFor(id, (r) => r.status === "awaiting-approval");
        const mails = await readOutbox(path.join(dir, "app", "outbox"));
        const mail = mails.filter((m) => m.headers["X-CluedIn-Upgrade-Run"] === id && m.to.includes(APPROVER)).at(-1);
        const link = /https?:\/\/\S+\/api\/approvals#[A-Za-z0-9._%-]+/.exec(mail?.text ?? "")?.[0];
        expect(link).toBeDefined();
        const [target = "", token = ""] = link!.split("#");
        const approved = await fetch(target, {
          method: "POST",
          body: new URLSearchParams({ token: decodeURIComponent(token), decision: "approve" }).toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        expect(approved.status).toBe(200);

        // The kill lands anywhere from just after the approval to the middle of the data upgrade.
        const delay = Math.floor(random.next().value * 9_000);
        await sleep(delay);
        await kill(child);
        child = await startChild();

        const run = await waitFor(id, (r) => r.finished);
        expect(run.status).toBe("completed");
        expect(run.approvals.decisions).toHaveLength(1);
        const state = sim.state();
        expect(state.helmOperations.filter((op) => op.kind === "upgrade")).toHaveLength(2);
        expect(state.dataUpgradeCreations).toHaveLength(1);
        expect(state.workloads.every((w) => !w.upgradeMode)).toBe(true);
      } finally {
        await kill(child);
      }
    });
  }
});
