import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { ContainerServiceClient, RunCommandResult } from "@azure/arm-containerservice";
import type { V1Secret } from "@kubernetes/client-node";
import { strToU8, zipSync } from "fflate";
import { afterEach, beforeEach } from "vitest";
import { VirtualClock } from "../../../local/clock.js";
import { startSimulator, type ScenarioInput, type Simulator, type TimingSet } from "../../../local/sim/index.js";
import { armClient } from "./clients.js";

export interface TestSimulator {
  sim: Simulator;
  clock: VirtualClock;
  close(): Promise<void>;
}

export const START = Date.UTC(2026, 0, 5, 9, 0, 0);

/**
 * A simulator on a virtual clock in a fresh temp dir; `close()` stops it and removes the dir. The contract tests run
 * the compact timing set (a rollout of a few minutes) unless they ask for the runbook's.
 */
export async function startTestSimulator(
  scenario?: ScenarioInput | string,
  timeScale = 1,
  timingSet: TimingSet = "compact",
): Promise<TestSimulator> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "cluedin-sim-test-"));
  const clock = new VirtualClock(START);
  const sim = await startSimulator({
    dataDir,
    clock,
    ...(scenario !== undefined ? { scenario } : {}),
    timeScale,
    timingSet,
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    sim,
    clock,
    close: async () => {
      await sim.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Run Command's `context`: a base64 zip of the files the command may read. */
export function zipContext(files: Record<string, string>): string {
  return Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)]))),
  ).toString("base64");
}

/**
 * Runs a command through the ARM Run Command API as the app would (start, then poll), moving the virtual clock in
 * `stepMs` steps between polls until the result is final.
 */
export async function runOnCluster(
  aks: ContainerServiceClient,
  t: TestSimulator,
  command: string,
  options: { files?: Record<string, string>; clusterToken?: string | null; stepMs?: number; maxSteps?: number } = {},
): Promise<RunCommandResult> {
  const poller = aks.managedClusters.runCommand(
    t.sim.resourceGroup,
    t.sim.clusterName,
    {
      command,
      ...(options.files ? { context: zipContext(options.files) } : {}),
      ...(options.clusterToken === null ? {} : { clusterToken: options.clusterToken ?? t.sim.token }),
    },
    { updateIntervalInMs: 1 },
  );
  await poller.submitted();
  for (let step = 0; step < (options.maxSteps ?? 400) && !poller.isDone; step++) {
    t.clock.advanceBy(options.stepMs ?? 5_000);
    await poller.poll();
  }
  if (!poller.isDone) throw new Error(`command still running after ${options.maxSteps ?? 400} steps: ${command}`);
  return poller.result as RunCommandResult;
}

export interface DecodedRelease {
  name: string;
  version: number;
  namespace: string;
  info: { status: string; description: string; last_deployed: string };
  chart: { metadata: { name: string; version: string; appVersion: string } };
  config: Record<string, unknown>;
}

/** Decodes a Helm release Secret independently of the simulator: Secret base64, Helm base64, gzip, JSON. */
export function decodeRelease(secret: V1Secret): DecodedRelease {
  const helmString = Buffer.from(secret.data?.release ?? "", "base64").toString("utf8");
  let bytes = Buffer.from(helmString, "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString("utf8")) as DecodedRelease;
}

/**
 * A fresh simulator for each test of the calling `describe`, with `run` sending a command through Run Command;
 * read `t` and `aks` inside tests only.
 */
export function simulatorPerTest(scenario?: ScenarioInput | string): {
  readonly t: TestSimulator;
  readonly aks: ContainerServiceClient;
  run: (command: string, options?: Parameters<typeof runOnCluster>[3]) => Promise<RunCommandResult>;
} {
  let current: { t: TestSimulator; aks: ContainerServiceClient } | undefined;
  const get = (): { t: TestSimulator; aks: ContainerServiceClient } => {
    if (!current) throw new Error("the simulator exists only inside a test");
    return current;
  };
  beforeEach(async () => {
    const t = await startTestSimulator(scenario);
    current = { t, aks: armClient(t.sim) };
  });
  afterEach(async () => {
    await current?.t.close();
    current = undefined;
  });
  return {
    get t() {
      return get().t;
    },
    get aks() {
      return get().aks;
    },
    run: (command, options = {}) => runOnCluster(get().aks, get().t, command, options),
  };
}
