/**
 * The demo fleet: one more simulated cluster per `demo-*` profile of config/clusters.yaml, beside the demo cluster's
 * simulator. Each is a whole simulator of its own (its ARM resource id from the profile, its own ARM and Kubernetes
 * API servers and UI), sharing the demo simulator's clock, token and CA, so the app trusts one CA and kubectl uses
 * one kubeconfig: the demo simulator's kubeconfig gets one context per cluster, named like `az aks get-credentials`
 * names them (the AKS cluster name). No simulator file changes for it.
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isSeq, parse, parseDocument, stringify } from "yaml";
import type { Clock } from "./clock.js";
import type { SimulatorEndpoints } from "./demoProfile.js";
import { startSimulator, type ScenarioInput, type Simulator, type TimingSet } from "./sim/index.js";

export interface DemoFleet {
  /** Every fleet cluster's simulator by profile name, the demo cluster's included. */
  sims: Map<string, Simulator>;
  close(): Promise<void>;
}

const TLS_FILES = ["ca.crt", "server.crt", "server.key"] as const;

/** The profile names of the demo fleet: the `demo-*` profiles of the cluster configuration. */
export function fleetProfileNames(profilesText: string): string[] {
  const clusters = parseDocument(profilesText).get("clusters");
  if (!isSeq(clusters)) return [];
  return clusters.items
    .map((item) => (isMap(item) ? String(item.get("name")) : ""))
    .filter((name) => name.startsWith("demo-"));
}

function profileOf(profilesText: string, name: string): Record<string, unknown> {
  const file = parse(profilesText) as { clusters?: Record<string, unknown>[] };
  const profile = file.clusters?.find((c) => c.name === name);
  if (!profile) throw new Error(`no profile ${name}`);
  return profile;
}

/** Starts one simulator per fleet profile next to `primary` (the demo cluster's), under `<dir>/sim-<name>`. */
export async function startDemoFleet(options: {
  dir: string;
  clock: Clock;
  primary: Simulator;
  primaryDataDir: string;
  profilesText: string;
  timeScale?: number;
  timingSet?: TimingSet;
  scenario?: ScenarioInput;
}): Promise<DemoFleet> {
  const sims = new Map<string, Simulator>([["demo", options.primary]]);
  try {
    for (const name of fleetProfileNames(options.profilesText)) {
      const profile = profileOf(options.profilesText, name);
      const dataDir = path.join(options.dir, `sim-${name}`);
      await mkdir(dataDir, { recursive: true });
      for (const file of TLS_FILES) await copyFile(path.join(options.primaryDataDir, file), path.join(dataDir, file));
      const scenario: ScenarioInput = {
        ...options.scenario,
        cluster: {
          subscriptionId: String(profile.subscriptionId),
          resourceGroup: String(profile.resourceGroup),
          clusterName: String(profile.clusterName),
        },
      };
      sims.set(
        name,
        await startSimulator({
          dataDir,
          clock: options.clock,
          scenario,
          token: options.primary.token,
          ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
          ...(options.timingSet !== undefined ? { timingSet: options.timingSet } : {}),
        }),
      );
    }
    await writeFleetKubeconfig(options.primary.kubeconfigPath, [...sims.values()]);
  } catch (error) {
    await Promise.all([...sims].filter(([n]) => n !== "demo").map(([, s]) => s.close()));
    throw error;
  }
  return {
    sims,
    close: async () => {
      await Promise.all([...sims].filter(([n]) => n !== "demo").map(([, s]) => s.close()));
    },
  };
}

/** Each profile of the fleet pointed at its simulator, as demoClustersYaml does for the demo profile. */
export function fleetClustersYaml(profilesText: string, sims: ReadonlyMap<string, SimulatorEndpoints>): string {
  const doc = parseDocument(profilesText);
  const clusters = doc.get("clusters");
  if (!isSeq(clusters)) throw new Error("clusters.yaml has no clusters list");
  for (const item of clusters.items) {
    if (!isMap(item)) continue;
    const sim = sims.get(String(item.get("name")));
    if (!sim || item.get("name") === "demo") continue;
    for (const key of ["armEndpoint", "uiUrl", "subscriptionId", "resourceGroup", "clusterName"] as const)
      item.set(key, sim[key]);
  }
  return doc.toString();
}

/** One kubeconfig with a context per cluster; the demo cluster's stays the current one. */
async function writeFleetKubeconfig(target: string, sims: readonly Simulator[]): Promise<void> {
  type Named = { name: string };
  const merged = { clusters: [] as Named[], contexts: [] as Named[], users: [] as Named[] };
  let first: Record<string, unknown> | undefined;
  for (const sim of sims) {
    const config = parse(await readFile(sim.kubeconfigPath, "utf8")) as Record<string, Named[] | string>;
    first ??= config;
    for (const key of ["clusters", "contexts", "users"] as const)
      for (const entry of (config[key] as Named[] | undefined) ?? [])
        if (!merged[key].some((e) => e.name === entry.name)) merged[key].push(entry);
  }
  await writeFile(target, stringify({ ...first, ...merged }), { mode: 0o600 });
}
