/**
 * Points the `demo` cluster profile at a running simulator: the committed config/clusters.yaml describes the demo
 * cluster; its endpoints are only known once the simulator listens. Tests use the same to vary the policy.
 */
import { isMap, isSeq, parseDocument } from "yaml";

export interface SimulatorEndpoints {
  armEndpoint: string;
  uiUrl: string;
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
}

type Overrides = {
  [key: string]: string | number | boolean | string[] | Overrides | { email: string; name?: string }[];
};

function leaves(value: Overrides, prefix: string[] = []): [string[], unknown][] {
  return Object.entries(value).flatMap(([key, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? leaves(v, [...prefix, key])
      : [[[...prefix, key], v] as [string[], unknown]],
  );
}

export function demoClustersYaml(baseText: string, sim: SimulatorEndpoints, overrides: Overrides = {}): string {
  const doc = parseDocument(baseText);
  const clusters = doc.get("clusters");
  if (!isSeq(clusters)) throw new Error("clusters.yaml has no clusters list");
  const demo = clusters.items.find((item) => isMap(item) && item.get("name") === "demo");
  if (!isMap(demo)) throw new Error("clusters.yaml has no demo profile");
  const endpoints: Overrides = {
    armEndpoint: sim.armEndpoint,
    uiUrl: sim.uiUrl,
    subscriptionId: sim.subscriptionId,
    resourceGroup: sim.resourceGroup,
    clusterName: sim.clusterName,
  };
  for (const [path, value] of leaves({ ...endpoints, ...overrides })) demo.setIn(path, doc.createNode(value));
  return doc.toString();
}
