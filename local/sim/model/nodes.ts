/**
 * The node pool and what the CluedIn pods ask of it. Resource requests are the chart's own, from CluedIn-io/Charts
 * charts/cluedin-platform/2.5.0/cluedin-platform-2.5.0.tgz: cluedin-application/values.yaml
 * (`cluedin.roles.{main,processing,crawling}.resources.requests`, `datasource`, `datasourceProcessing`, `submitter`,
 * `openrefine.resources.requests`) and cluedin-infrastructure/values.yaml (`neo4j.neo4j.resources.requests`: cpu 6.5,
 * memory 26Gi; `elasticsearch.resources.requests` over its subchart's cpu 1000m; `monitoring.prometheus.prometheusSpec`).
 * Components the chart gives no requests run without (BestEffort). The chart's `imagePullPolicy` is `IfNotPresent`
 * (`global.image.pullPolicy` in cluedin-platform/values.yaml) except the init jobs' `Always`
 * (`containerImages.initSql/initNeo4J/initCluedIn`), whose pulls then only resolve the digest.
 */

export interface Requests {
  /** millicores */
  cpu: number;
  /** bytes */
  memory: number;
}

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

export const WORKLOAD_REQUESTS: Readonly<Record<string, Requests>> = {
  "cluedin-server": { cpu: 500, memory: 2 * Gi },
  "cluedin-server-processing": { cpu: 1000, memory: 2 * Gi },
  "cluedin-server-crawling": { cpu: 500, memory: 2 * Gi },
  "cluedin-datasource": { cpu: 500, memory: 1 * Gi },
  "cluedin-datasource-processing": { cpu: 125, memory: 64 * Mi },
  "cluedin-datasource-submitter": { cpu: 1000, memory: 1 * Gi },
  "cluedin-openrefine": { cpu: 0, memory: 2_000_000_000 },
  "cluedin-elasticsearch": { cpu: 1000, memory: 2 * Gi },
  "cluedin-neo4j": { cpu: 6500, memory: 26 * Gi },
  "prometheus-cluedin-prometheus": { cpu: 0, memory: 500 * Mi },
};

/** Kubernetes quantity text of a request, as the chart writes them. */
export function cpuText(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

export function memoryText(bytes: number): string {
  if (bytes % Gi === 0) return `${bytes / Gi}Gi`;
  if (bytes % Mi === 0) return `${bytes / Mi}Mi`;
  return String(bytes);
}

export function requestsJson(requests: Requests | undefined): Record<string, string> | undefined {
  if (!requests) return undefined;
  return {
    ...(requests.cpu > 0 ? { cpu: cpuText(requests.cpu) } : {}),
    ...(requests.memory > 0 ? { memory: memoryText(requests.memory) } : {}),
  };
}

/**
 * The pool: three Standard_E8s_v5 (8 vCPU, 64 GiB; a modelled assumption: a memory-optimised size is what Neo4j's
 * 26Gi request needs). Allocatable is what AKS reserves off capacity (AKS "Resource reservations": 180m CPU for 8
 * cores; memory kube-reserved 25/20/10/6 % tiers plus the 750Mi eviction threshold). The OS disk is AKS's default
 * 128 GB managed disk.
 */
export const NODE_SHAPE = {
  instanceType: "Standard_E8s_v5",
  capacity: { cpu: 8000, memory: 65_842_184 * 1024, pods: 110, ephemeralBytes: 129_886_128 * 1024 },
  allocatable: { cpu: 7820, memory: 59_380_424 * 1024, pods: 110, ephemeralBytes: 119_703_055_367 },
} as const;

/**
 * Where the scheduler puts each workload's pods, decided once: workloads with requests by decreasing CPU then
 * memory onto the node with the most CPU left that fits them (kube-scheduler's NodeResourcesFit with its default
 * LeastAllocated scoring); the rest by a hash of their name, as before.
 */
export function placeWorkloads(names: readonly string[], nodes: readonly string[], hash: (name: string) => number) {
  const placement = new Map<string, string>();
  const free = nodes.map((node) => ({
    node,
    cpu: NODE_SHAPE.allocatable.cpu,
    memory: NODE_SHAPE.allocatable.memory,
  }));
  const requested = names
    .filter((n) => WORKLOAD_REQUESTS[n])
    .sort((a, b) => {
      const ra = WORKLOAD_REQUESTS[a] as Requests;
      const rb = WORKLOAD_REQUESTS[b] as Requests;
      return rb.cpu - ra.cpu || rb.memory - ra.memory || a.localeCompare(b);
    });
  for (const name of requested) {
    const want = WORKLOAD_REQUESTS[name] as Requests;
    const fits = free.filter((f) => f.cpu >= want.cpu && f.memory >= want.memory).sort((a, b) => b.cpu - a.cpu);
    const chosen = fits[0] ?? free[0];
    if (!chosen) continue;
    chosen.cpu -= want.cpu;
    chosen.memory -= want.memory;
    placement.set(name, chosen.node);
  }
  for (const name of names) if (!placement.has(name)) placement.set(name, nodes[hash(name)] ?? nodes[0] ?? "");
  return placement;
}
