import { randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { RealClock, type Clock } from "../clock.js";
import { kubeconfigYaml } from "./arm/kubeconfig.js";
import { createArmHandler } from "./arm/server.js";
import { createControlHandler } from "./control/server.js";
import { definedOnly } from "./core/defined.js";
import { guarded, listen, sendJson } from "./core/http.js";
import { loadOrCreateTls } from "./core/tls.js";
import { createKubeHandler } from "./kube/server.js";
import { internalError } from "./kube/status.js";
import { partialFaultsSchema, type Faults, type FaultsInput } from "./model/faults.js";
import {
  loadScenarioFile,
  resolveScenario,
  type Scenario,
  type ScenarioInput,
  type ScenarioResult,
} from "./model/scenario.js";
import type { JournalEntry } from "./model/journal.js";
import { TIMING_SETS, type TimingSet } from "./model/timings.js";
import { World, type SimState } from "./model/world.js";

export interface SimulatorOptions {
  /** Where the CA, server certificate, token and kubeconfig live (cached across restarts). */
  dataDir: string;
  clock?: Clock;
  /** A scenario object, or the path of a scenario YAML file. */
  scenario?: ScenarioInput | string;
  /** Multiplies every simulated duration: 1 is realistic, 0.02 runs a data upgrade in seconds. */
  timeScale?: number;
  /**
   * The durations the scenario's own timings go over: `runbook` (the default, realistic) or `compact` (the end-to-end
   * tests' shorter rollout); model/timings.ts.
   */
  timingSet?: TimingSet;
  /** Fixed ports (default 0: any free port). The UI is served by the control server. */
  ports?: { arm?: number; kube?: number; control?: number };
  /** The bearer token to accept; by default a random one cached in dataDir. */
  token?: string;
}

export interface Simulator {
  /** `https://127.0.0.1:<port>`: the ContainerServiceClient `endpoint`. */
  readonly armEndpoint: string;
  /** `https://127.0.0.1:<port>`: the Kubernetes API server. */
  readonly kubeServer: string;
  /** The CA that signed both servers' certificate. */
  readonly caCertPem: string;
  /** `<dataDir>/kubeconfig.yaml`, with a token user, for kubectl and client-node. */
  readonly kubeconfigPath: string;
  /** `http://127.0.0.1:<port>/`: 200 only while cluedin-ui has a ready pod. */
  readonly uiUrl: string;
  /** `http://127.0.0.1:<port>/_sim`: GET /state, GET|POST /faults, POST /reset. */
  readonly controlUrl: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly clusterName: string;
  readonly namespace: string;
  readonly releaseName: string;
  /** The bearer token ARM and the API server accept (anything else gets 401). */
  readonly token: string;
  setFaults(faults: Partial<FaultsInput>): Faults;
  state(): SimState;
  /** The ordered cluster operations (`GET /_sim/journal`). */
  journal(): JournalEntry[];
  /** Rebuilds the cluster from a scenario (default: the one it started with); open watches are closed. */
  reset(scenario?: ScenarioInput | string): Promise<void>;
  close(): Promise<void>;
}

export class SimulatorInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SimulatorInputError";
  }
}

const USER = "cluedin-upgrade@contoso.onmicrosoft.com";

async function loadScenario(input: ScenarioInput | string | undefined): Promise<Scenario> {
  const result: ScenarioResult =
    typeof input === "string" ? await loadScenarioFile(input) : resolveScenario(input ?? {});
  if (!result.ok) throw new SimulatorInputError(`invalid scenario: ${result.reason}`);
  return result.scenario;
}

async function loadOrCreateToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "token");
  try {
    const cached = (await readFile(file, "utf8")).trim();
    if (cached) return cached;
  } catch {
    // First start: no cached token yet.
  }
  const token = `sim-${randomBytes(24).toString("base64url")}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Starts the simulated CluedIn installation on AKS: ARM and Kubernetes API over TLS, the UI and a control API. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const clock = options.clock ?? new RealClock();
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new SimulatorInputError(`timeScale must be positive, got ${timeScale}`);
  await mkdir(options.dataDir, { recursive: true });
  const [tls, token] = await Promise.all([
    loadOrCreateTls(options.dataDir),
    options.token ?? loadOrCreateToken(options.dataDir),
  ]);
  const timingBase = TIMING_SETS[options.timingSet ?? "runbook"];
  const withTimingSet = (s: Scenario): Scenario => ({ ...s, timings: { ...timingBase, ...s.timingOverrides } });
  let scenario = await loadScenario(options.scenario);
  let world = new World(clock, withTimingSet(scenario), timeScale, token, USER);
  const currentWorld = (): World => world;

  let kubeServerUrl = "";
  const kube = createKubeHandler({ world: currentWorld, token });
  const onError = (res: import("node:http").ServerResponse, error: unknown): void => {
    const failure = internalError(error instanceof Error ? error.message : String(error));
    sendJson(res, 500, failure.body);
  };
  const tlsOptions = { cert: tls.certPem, key: tls.keyPem };
  const kubeServer = createHttpsServer(tlsOptions, guarded(kube.handle, onError));
  const armServer = createHttpsServer(
    tlsOptions,
    guarded(
      createArmHandler({ world: currentWorld, token, kubeServer: () => kubeServerUrl, caCertPem: tls.caCertPem }),
      (res, error) =>
        sendJson(res, 500, {
          error: { code: "InternalServerError", message: error instanceof Error ? error.message : String(error) },
        }),
    ),
  );

  const setFaults = (input: Partial<FaultsInput>): Faults => {
    const parsed = partialFaultsSchema.safeParse(input);
    if (!parsed.success)
      throw new SimulatorInputError(`invalid faults: ${parsed.error.message}`, { cause: parsed.error });
    world.sync();
    return world.setFaults(definedOnly(parsed.data));
  };
  const rebuild = (next: Scenario): void => {
    kube.closeStreams();
    scenario = next;
    world = new World(clock, withTimingSet(scenario), timeScale, token, USER);
  };
  const controlServer = createHttpServer(
    guarded(
      createControlHandler({
        world: currentWorld,
        setFaults: (faults) => {
          world.sync();
          return world.setFaults(faults);
        },
        reset: (input) => {
          if (input === undefined) {
            rebuild(scenario);
            return { ok: true };
          }
          const result = resolveScenario(input);
          if (!result.ok) return result;
          rebuild(result.scenario);
          return { ok: true };
        },
      }),
      (res, error) =>
        sendJson(res, 500, {
          error: { code: "InternalError", message: error instanceof Error ? error.message : String(error) },
        }),
    ),
  );

  const ports = options.ports ?? {};
  const listeners = await Promise.all([
    listen(kubeServer, ports.kube ?? 0),
    listen(armServer, ports.arm ?? 0),
    listen(controlServer, ports.control ?? 0),
  ]);
  const [kubeListener, armListener, controlListener] = listeners;
  kubeServerUrl = `https://127.0.0.1:${kubeListener.port}`;
  const kubeconfigPath = path.join(options.dataDir, "kubeconfig.yaml");
  const writeKubeconfig = (): Promise<void> =>
    writeFile(
      kubeconfigPath,
      kubeconfigYaml({
        clusterName: scenario.cluster.clusterName,
        server: kubeServerUrl,
        caCertPem: tls.caCertPem,
        userName: `clusterUser_${scenario.cluster.resourceGroup}_${scenario.cluster.clusterName}`,
        namespace: scenario.namespace,
        user: { token },
      }),
      { mode: 0o600 },
    );
  await writeKubeconfig();

  let closed = false;
  return {
    armEndpoint: `https://127.0.0.1:${armListener.port}`,
    kubeServer: kubeServerUrl,
    caCertPem: tls.caCertPem,
    kubeconfigPath,
    uiUrl: `http://127.0.0.1:${controlListener.port}/`,
    controlUrl: `http://127.0.0.1:${controlListener.port}/_sim`,
    get subscriptionId() {
      return scenario.cluster.subscriptionId;
    },
    get resourceGroup() {
      return scenario.cluster.resourceGroup;
    },
    get clusterName() {
      return scenario.cluster.clusterName;
    },
    get namespace() {
      return scenario.namespace;
    },
    get releaseName() {
      return scenario.releaseName;
    },
    token,
    setFaults,
    state: () => {
      world.sync();
      return world.state();
    },
    journal: () => {
      world.sync();
      return world.journal.all();
    },
    reset: async (input) => {
      rebuild(input === undefined ? scenario : await loadScenario(input));
      await writeKubeconfig();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      kube.closeStreams();
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
