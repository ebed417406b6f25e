/**
 * `npm run sim`: the simulated CluedIn AKS environment on its own, on real time sped up for demos.
 * Usage: tsx local/sim/main.ts [scenario.yaml]   (env SIM_TIME_SCALE, SIM_ARM_PORT, SIM_KUBE_PORT, SIM_CONTROL_PORT)
 */
import { fileURLToPath } from "node:url";
import { RealClock } from "../clock.js";
import { startSimulator } from "./index.js";

const DEMO_TIME_SCALE = 0.02;

const port = (name: string): number | undefined => {
  const value = process.env[name];
  return value ? Number(value) : undefined;
};

const scenario = process.argv[2] ?? process.env.SIM_SCENARIO;
const armPort = port("SIM_ARM_PORT");
const kubePort = port("SIM_KUBE_PORT");
const controlPort = port("SIM_CONTROL_PORT");
const dataDir = fileURLToPath(new URL("../../.local/sim", import.meta.url));
const sim = await startSimulator({
  dataDir,
  clock: new RealClock(),
  ...(scenario !== undefined ? { scenario } : {}),
  timeScale: Number(process.env.SIM_TIME_SCALE ?? DEMO_TIME_SCALE),
  ports: {
    ...(armPort !== undefined ? { arm: armPort } : {}),
    ...(kubePort !== undefined ? { kube: kubePort } : {}),
    ...(controlPort !== undefined ? { control: controlPort } : {}),
  },
});

process.stdout.write(
  [
    "Simulated CluedIn on AKS is running.",
    `  kubeconfig      ${sim.kubeconfigPath}`,
    `  Kubernetes API  ${sim.kubeServer}`,
    `  ARM endpoint    ${sim.armEndpoint}`,
    `  cluster         /subscriptions/${sim.subscriptionId}/resourceGroups/${sim.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${sim.clusterName}`,
    `  CluedIn UI      ${sim.uiUrl}`,
    `  control         ${sim.controlUrl}/state  (POST ${sim.controlUrl}/faults, POST ${sim.controlUrl}/reset)`,
    `  bearer token    ${sim.token}`,
    "",
    `Try: kubectl --kubeconfig ${sim.kubeconfigPath} get pods -n ${sim.namespace}`,
    "Ctrl-C stops it.",
    "",
  ].join("\n"),
);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
