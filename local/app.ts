/**
 * The embedded default: the simulated CluedIn AKS environment, the app configured to reach it (demo profile, the
 * simulator's CA and token, mail to an outbox), and the local durable runtime running the app's registered
 * functions. `npm start`, the end-to-end tests and the benchmarks all start it this way.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resetServices } from "../lib/services.js";
import { ORCHESTRATION_VERSION } from "../lib/workflow/version.js";
import { RealClock, type Clock } from "./clock.js";
import { demoClustersYaml, type SimulatorEndpoints } from "./demoProfile.js";
import { fleetClustersYaml, startDemoFleet, type DemoFleet } from "./fleet.js";
import { captureRegistrations, LocalRuntime } from "./runtime/index.js";
import { startSimulator, type FaultsInput, type ScenarioInput, type Simulator, type TimingSet } from "./sim/index.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface LocalAppOptions {
  /** Everything the run keeps: runtime store, simulator data, outbox, audit, generated configuration. */
  dir: string;
  clock?: Clock;
  /** App port; 0 picks a free one. */
  port?: number;
  scenario?: ScenarioInput | string;
  faults?: Partial<FaultsInput>;
  /** Scales the simulator's durations (1 is realistic). */
  timeScale?: number;
  /** The simulator's durations: `runbook` (default) or the end-to-end tests' `compact` set (sim/model/timings.ts). */
  timingSet?: TimingSet;
  /** Changes to the demo cluster profile, e.g. `{ policies: { rollback: "ask" } }`. */
  profile?: Parameters<typeof demoClustersYaml>[2];
  activityConcurrency?: number;
  log?: (line: string) => void;
  /** A sign-in redirect in front of the runtime's management webhooks (LocalRuntimeOptions.webhookSignIn). */
  webhookSignIn?: boolean;
  /** Also simulate the demo fleet: one more cluster per `demo-*` profile (local/fleet.ts). */
  fleet?: boolean;
  /** Fleet strategies to use instead of config/fleets.yaml. */
  fleetsFile?: string;
  /**
   * The orchestration version new runs get (default ORCHESTRATION_VERSION): a benchmark runs the previous
   * version's behaviour beside the current one with it.
   */
  orchestrationVersion?: string;
}

export interface LocalApp extends AppOnSimulator {
  sim: Simulator;
  /** The demo fleet's simulators by profile name, when started with `fleet`. */
  fleet?: DemoFleet;
}

/** The signing key survives restarts so that links already mailed keep working. */
async function signingKey(dir: string): Promise<string> {
  const file = path.join(dir, "approval-signing-key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const key = randomBytes(32).toString("base64url");
    await writeFile(file, key, { mode: 0o600 });
    return key;
  }
}

let appLoaded: Promise<unknown> | undefined;

/** Registers the app's functions once per process, exactly as Azure's worker loads it. */
function loadApp(): Promise<unknown> {
  captureRegistrations();
  appLoaded ??= import("../main.js");
  return appLoaded;
}

/** What the app needs to know of a simulated cluster it did not start (one in another process). */
export interface SimulatorTarget extends SimulatorEndpoints {
  token: string;
  caCertPem: string;
}

export interface AppOnSimulator {
  runtime: LocalRuntime;
  baseUrl: string;
  outboxDir: string;
  /** Kills the runtime as a crash would and starts a new one on the same store and port. */
  restartRuntime(): Promise<void>;
  close(): Promise<void>;
}

/** Configures the app for `target`, registers its functions and starts the runtime on `<dir>/runtime`. */
export async function startAppOn(
  target: SimulatorTarget,
  options: Omit<LocalAppOptions, "scenario" | "faults" | "timeScale" | "timingSet" | "fleet"> & {
    fleetTargets?: ReadonlyMap<string, SimulatorEndpoints>;
  },
): Promise<AppOnSimulator> {
  const dir = path.resolve(options.dir);
  await mkdir(path.join(dir, "sim"), { recursive: true });
  const clock = options.clock ?? new RealClock();
  const clustersFile = path.join(dir, "clusters.yaml");
  const caFile = path.join(dir, "sim", "ca.pem");
  const baseProfiles = await readFile(path.join(projectRoot, "config", "clusters.yaml"), "utf8");
  const profiles = demoClustersYaml(baseProfiles, target, options.profile);
  await writeFile(clustersFile, options.fleetTargets ? fleetClustersYaml(profiles, options.fleetTargets) : profiles);
  await writeFile(caFile, target.caCertPem);
  const outboxDir = path.join(dir, "outbox");
  // The drivers are chosen by configuration, as in Azure: nothing in the app knows it runs locally.
  Object.assign(process.env, {
    CLUSTERS_FILE: clustersFile,
    AZURE_CREDENTIAL: "static-token",
    AZURE_STATIC_TOKEN: target.token,
    EXTRA_CA_CERT_FILE: caFile,
    MAIL_DRIVER: "outbox",
    MAIL_OUTBOX_DIR: outboxDir,
    MAIL_SENDER: "cluedin-upgrade@localhost",
    APPROVAL_SIGNING_KEY: await signingKey(dir),
    AUDIT_SINK: "file",
    AUDIT_DIR: path.join(dir, "audit"),
    CLI_STATE_DIR: path.join(dir, "runs"),
    FLEETS_FILE: options.fleetsFile ?? path.join(projectRoot, "config", "fleets.yaml"),
  });
  // The app builds its services once; settings changed in-process take effect when they are rebuilt.
  resetServices();
  await loadApp();
  const startRuntime = (port: number): Promise<LocalRuntime> =>
    LocalRuntime.start({
      storeDir: path.join(dir, "runtime"),
      clock,
      port,
      host: "127.0.0.1",
      // As host.json's defaultVersion in Azure (test/unit/infra.test.ts keeps the two equal).
      defaultVersion: options.orchestrationVersion ?? ORCHESTRATION_VERSION,
      ...(options.activityConcurrency ? { activityConcurrency: options.activityConcurrency } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.webhookSignIn ? { webhookSignIn: true } : {}),
    });
  const app: AppOnSimulator = {
    runtime: await startRuntime(options.port ?? 0),
    baseUrl: "",
    outboxDir,
    restartRuntime: async () => {
      await app.runtime.kill();
      app.runtime = await startRuntime(Number(new URL(app.baseUrl).port));
    },
    close: () => app.runtime.close(),
  };
  app.baseUrl = app.runtime.baseUrl;
  process.env.PUBLIC_BASE_URL = app.baseUrl;
  resetServices();
  return app;
}

export async function startLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const clock = options.clock ?? new RealClock();
  const sim = await startSimulator({
    dataDir: path.join(dir, "sim"),
    clock,
    ...(options.scenario ? { scenario: options.scenario } : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.timingSet !== undefined ? { timingSet: options.timingSet } : {}),
  });
  if (options.faults) sim.setFaults(options.faults);
  let fleet: DemoFleet | undefined;
  try {
    if (options.fleet)
      fleet = await startDemoFleet({
        dir,
        clock,
        primary: sim,
        primaryDataDir: path.join(dir, "sim"),
        profilesText: await readFile(path.join(projectRoot, "config", "clusters.yaml"), "utf8"),
        ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
        ...(options.timingSet !== undefined ? { timingSet: options.timingSet } : {}),
        ...(typeof options.scenario === "object" ? { scenario: options.scenario } : {}),
      });
    const { fleet: _fleet, timingSet: _timingSet, ...appOptions } = options;
    const onSim = await startAppOn(sim, { ...appOptions, clock, ...(fleet ? { fleetTargets: fleet.sims } : {}) });
    const app: LocalApp = Object.assign(onSim, {
      sim,
      ...(fleet ? { fleet } : {}),
      close: async () => {
        await onSim.runtime.close();
        await fleet?.close();
        await sim.close();
      },
    });
    return app;
  } catch (error) {
    await fleet?.close();
    await sim.close();
    throw error;
  }
}
