/**
 * Nodes, the pods' requests and the image pre-pull DaemonSet through `@kubernetes/client-node`: what the node
 * capacity pre-check and the pre-pull stage read and change (lib/workflow/prepull.ts). Failed calls throw a
 * ClusterApiError naming the operation.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1DaemonSet,
} from "@kubernetes/client-node";
import {
  parseQuantity,
  type NodeFacts,
  type PodFacts,
  type PrePullObservation,
  type Requests,
  type WorkloadFacts,
} from "../workflow/prepull.js";
import { guarded, statusOf, toClusterApiError } from "./errors.js";
import { kubeApiConfiguration } from "./kube-configuration.js";

export interface NodeClientOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  requestTimeoutMs?: number;
}

export interface ClusterFacts {
  nodes: NodeFacts[];
  pods: PodFacts[];
  workloads: WorkloadFacts[];
  /** Every image the namespace's Deployments, StatefulSets and Jobs run (containers and init containers). */
  images: string[];
}

const requestsOf = (containers: readonly V1Container[] | undefined): Requests =>
  (containers ?? []).reduce(
    (sum, c) => ({
      cpu: sum.cpu + parseQuantity(c.resources?.requests?.cpu, "cpu"),
      memory: sum.memory + parseQuantity(c.resources?.requests?.memory, "bytes"),
    }),
    { cpu: 0, memory: 0 },
  );

const imagesOf = (spec: { containers?: V1Container[]; initContainers?: V1Container[] } | undefined): string[] =>
  [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].flatMap((c) => (c.image ? [c.image] : []));

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value);

/** A kubelet message kept short: its start (what failed) and its end (the registry's own words). */
const clip = (text: string): string => (text.length <= 320 ? text : `${text.slice(0, 100)} … ${text.slice(-200)}`);

export class NodeClient {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly namespace: string;

  constructor(options: NodeClientOptions) {
    const configuration = kubeApiConfiguration(options.kubeConfig, options.requestTimeoutMs);
    this.core = new CoreV1Api(configuration);
    this.apps = new AppsV1Api(configuration);
    this.batch = new BatchV1Api(configuration);
    this.namespace = options.namespace;
  }

  /** The nodes (allocatable, disk, images), every pod's requests, and the namespace's workloads and images. */
  async facts(): Promise<ClusterFacts> {
    const [nodes, pods, deployments, statefulSets, jobs] = await Promise.all([
      guarded("list nodes", () => this.core.listNode()),
      guarded("list pods of all namespaces", () => this.core.listPodForAllNamespaces()),
      guarded("list deployments", () => this.apps.listNamespacedDeployment({ namespace: this.namespace })),
      guarded("list statefulsets", () => this.apps.listNamespacedStatefulSet({ namespace: this.namespace })),
      guarded("list jobs", () => this.batch.listNamespacedJob({ namespace: this.namespace })),
    ]);
    const ours = new Set([
      ...deployments.items.map((d) => d.metadata?.name ?? ""),
      ...statefulSets.items.map((s) => s.metadata?.name ?? ""),
    ]);
    const workloadOf = (pod: (typeof pods.items)[number]): string | undefined => {
      if (pod.metadata?.namespace !== this.namespace) return undefined;
      const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
      if (!owner) return undefined;
      const name = owner.kind === "ReplicaSet" ? owner.name.slice(0, owner.name.lastIndexOf("-")) : owner.name;
      return ours.has(name) ? name : undefined;
    };
    return {
      nodes: nodes.items.map((n) => ({
        name: n.metadata?.name ?? "",
        allocatable: {
          cpu: parseQuantity(n.status?.allocatable?.cpu, "cpu"),
          memory: parseQuantity(n.status?.allocatable?.memory, "bytes"),
          pods: Number(n.status?.allocatable?.pods ?? 0),
        },
        ephemeralCapacityBytes: parseQuantity(n.status?.capacity?.["ephemeral-storage"], "bytes"),
        images: (n.status?.images ?? []).map((i) => ({ names: i.names ?? [], sizeBytes: i.sizeBytes ?? 0 })),
      })),
      // Terminated pods hold no resources (the scheduler counts only pods not Succeeded or Failed).
      pods: pods.items
        .filter((p) => p.spec?.nodeName && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed")
        .map((p) => {
          const workload = workloadOf(p);
          return {
            node: p.spec?.nodeName ?? "",
            ...(workload ? { workload } : {}),
            requests: requestsOf(p.spec?.containers),
            images: imagesOf(p.spec),
          };
        }),
      workloads: [
        ...deployments.items.map((d) => ({
          name: d.metadata?.name ?? "",
          replicas: d.spec?.replicas ?? 1,
          requests: requestsOf(d.spec?.template.spec?.containers),
        })),
        ...statefulSets.items.map((s) => ({
          name: s.metadata?.name ?? "",
          replicas: s.spec?.replicas ?? 1,
          requests: requestsOf(s.spec?.template.spec?.containers),
        })),
      ],
      images: [
        ...new Set(
          [...deployments.items, ...statefulSets.items, ...jobs.items].flatMap((w) => imagesOf(w.spec?.template.spec)),
        ),
      ].sort(),
    };
  }

  /** Creates the DaemonSet; one that exists already (a retried activity) is left as it is. */
  async createDaemonSet(body: Record<string, unknown>): Promise<{ created: boolean }> {
    const name = String((body.metadata as { name?: string } | undefined)?.name ?? "");
    try {
      await this.apps.createNamespacedDaemonSet({ namespace: this.namespace, body: body });
      return { created: true };
    } catch (error) {
      if (statusOf(error) === 409) return { created: false };
      throw toClusterApiError(`create daemonset ${name}`, error);
    }
  }

  async observeDaemonSet(name: string): Promise<PrePullObservation> {
    let ds: V1DaemonSet;
    try {
      ds = await this.apps.readNamespacedDaemonSet({ name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return { found: false, desired: 0, ready: 0, pods: [] };
      throw toClusterApiError(`read daemonset ${name}`, error);
    }
    const pods = await guarded(`list pods of daemonset ${name}`, () =>
      this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `app.kubernetes.io/name=${name}` }),
    );
    return {
      found: true,
      desired: ds.status?.desiredNumberScheduled ?? 0,
      ready: ds.status?.numberReady ?? 0,
      pods: pods.items.map((p) => {
        const running = p.status?.containerStatuses?.[0]?.state?.running?.startedAt;
        const stuck = p.status?.initContainerStatuses?.find((s) => s.state?.waiting?.reason?.match(/Err|BackOff/));
        const waiting = stuck?.state?.waiting;
        return {
          node: p.spec?.nodeName ?? "",
          ready: running !== undefined,
          ...(p.metadata?.creationTimestamp ? { createdAt: iso(p.metadata.creationTimestamp) } : {}),
          ...(running ? { readyAt: iso(running) } : {}),
          ...(waiting ? { waiting: `${stuck.image}: ${waiting.reason ?? ""}: ${clip(waiting.message ?? "")}` } : {}),
        };
      }),
    };
  }

  /** Deletes the DaemonSet and, in the foreground, its pods; absent already is fine. */
  async deleteDaemonSet(name: string): Promise<{ deleted: boolean }> {
    try {
      await this.apps.deleteNamespacedDaemonSet({ name, namespace: this.namespace, propagationPolicy: "Foreground" });
      return { deleted: true };
    } catch (error) {
      if (statusOf(error) === 404) return { deleted: false };
      throw toClusterApiError(`delete daemonset ${name}`, error);
    }
  }
}
