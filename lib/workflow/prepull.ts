/**
 * Image pre-pull and the node capacity pre-check, pure parts. CluedIn's images are large and a Helm upgrade makes
 * every rolled pod wait for its pull while CluedIn is down; pulling the target release's images onto the nodes
 * before the downtime (a DaemonSet with one init container per image that exits at once, the pattern of
 * zero-to-jupyterhub's hook image puller: jupyterhub/zero-to-jupyterhub-k8s
 * jupyterhub/templates/image-puller/_helpers-daemonset.tpl) leaves the rollout only its start-up. The facts come
 * from the Kubernetes API: `Node.status.allocatable`, `status.capacity["ephemeral-storage"]` and `status.images`
 * (the kubelet reports at most `nodeStatusMaxImages`, default 50, largest first: kubernetes/kubernetes
 * pkg/kubelet/nodestatus/setters.go `Images`), and the pods' `resources.requests`.
 */
import { z } from "zod";

export const PRE_PULL_MODES = ["best-effort", "required", "off"] as const;
export type PrePullMode = (typeof PRE_PULL_MODES)[number];

export const PrePullPolicySchema = z.object({
  mode: z.enum(PRE_PULL_MODES),
  deadlineMs: z.number().int().positive(),
});
export type PrePullPolicy = z.infer<typeof PrePullPolicySchema>;

/** kubelet config v1beta1 (staging/src/k8s.io/kubelet/config/v1beta1/types.go) defaults. */
export const NODE_STATUS_MAX_IMAGES = 50;
export const IMAGE_GC_HIGH_PERCENT = 85;

export const PRE_PULL_LABELS = {
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
  run: "cluedin-upgrade/run",
} as const;
export const PRE_PULL_COMPONENT = "image-pre-pull";
/** The main container: AKS nodes hold this pause image already (it is every pod's sandbox). */
export const PAUSE_IMAGE = "mcr.microsoft.com/oss/kubernetes/pause:3.6";

/** The pre-pull DaemonSet's name: one per run (`cu-prepull-<run suffix>`), a DNS label. */
export function prePullName(runId: string): string {
  const suffix =
    runId
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .split("-")
      .filter(Boolean)
      .at(-1) ?? "run";
  return `cu-prepull-${suffix.slice(0, 40)}`;
}

/** The DaemonSet: one init container per image (it only echoes), a pause container, pinned to the given nodes. */
export function prePullDaemonSet(args: {
  name: string;
  namespace: string;
  runId: string;
  images: readonly string[];
  nodes: readonly string[];
}): Record<string, unknown> {
  const labels = {
    [PRE_PULL_LABELS.managedBy]: "cluedin-upgrade",
    [PRE_PULL_LABELS.component]: PRE_PULL_COMPONENT,
    "app.kubernetes.io/name": args.name,
  };
  const small = { requests: { cpu: "1m", memory: "8Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: args.name,
      namespace: args.namespace,
      labels: { ...labels, [PRE_PULL_LABELS.run]: args.runId.slice(0, 63).replace(/[^A-Za-z0-9._-]/g, "-") },
    },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": args.name } },
      template: {
        metadata: { labels },
        spec: {
          ...(args.nodes.length
            ? {
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: [
                        { matchFields: [{ key: "metadata.name", operator: "In", values: [...args.nodes] }] },
                      ],
                    },
                  },
                },
              }
            : {}),
          tolerations: [{ operator: "Exists" }],
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          initContainers: args.images.map((image, i) => ({
            name: `pull-${i}`,
            image,
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", "-c", "echo Pulling complete"],
            resources: small,
          })),
          containers: [{ name: "pause", image: PAUSE_IMAGE, imagePullPolicy: "IfNotPresent", resources: small }],
        },
      },
      updateStrategy: { type: "OnDelete" },
    },
  };
}

const tagOf = (ref: string): string | undefined => {
  const noDigest = ref.split("@")[0] ?? ref;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(colon + 1) : undefined;
};

/** The image reference without its tag or digest (`registry/repo`). */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split("@")[0] ?? ref;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The images the upgrade will run: every image of the workloads and jobs that follows the platform tag
 * (`global.image.tag`, the source release) moves to the target release's tag, as the prepared values set it;
 * images on other tags (the infrastructure's pinned images) are left as Helm leaves them.
 */
export function targetImages(current: readonly string[], fromTag: string, toTag: string): string[] {
  const out = new Set<string>();
  for (const ref of current) if (tagOf(ref) === fromTag) out.add(`${repositoryOf(ref)}:${toTag}`);
  return [...out].sort();
}

export interface NodeImage {
  names: string[];
  sizeBytes: number;
}

export interface NodeFacts {
  name: string;
  allocatable: { cpu: number; memory: number; pods: number };
  ephemeralCapacityBytes: number;
  images: NodeImage[];
}

export interface Requests {
  /** millicores */
  cpu: number;
  /** bytes */
  memory: number;
}

export interface PodFacts {
  node: string;
  /** The workload it belongs to in the CluedIn namespace; absent for any other pod (other namespaces, DaemonSets). */
  workload?: string;
  requests: Requests;
  images: string[];
}

export interface WorkloadFacts {
  name: string;
  replicas: number;
  /** Per pod. */
  requests: Requests;
}

export interface CapacityFinding {
  code: "node-capacity" | "node-disk";
  node: string;
  message: string;
}

const GIB = 1024 ** 3;
const gib = (bytes: number): string => `${(bytes / GIB).toFixed(1)} GiB`;
const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;
const cores = (milli: number): string => `${milli}m`;

const namesMatch = (image: NodeImage, ref: string): boolean =>
  image.names.some((n) => n === ref || n.startsWith(`${ref}@`) || (!ref.includes("/") && n.endsWith(`/${ref}`)));

/** Kubernetes quantity parsing for cpu (millicores) and bytes. */
export function parseQuantity(text: string | number | undefined, unit: "cpu" | "bytes"): number {
  if (text === undefined) return 0;
  if (typeof text === "number") return unit === "cpu" ? text * 1000 : text;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(text.trim());
  if (!match) return 0;
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  if (unit === "cpu") return suffix === "m" ? value : Math.round(value * 1000);
  const binary: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  const decimal: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3, "": 1 };
  return Math.round(value * (binary[suffix] ?? decimal[suffix] ?? 1));
}

/**
 * Whether the CluedIn pods fit the nodes: each node's allocatable less what the pods outside CluedIn's workloads
 * request there, then CluedIn's pods placed largest first on the node with the most room (what kube-scheduler's
 * NodeResourcesFit filter allows). A pod that fits nowhere is a blocker naming the node with the most room.
 */
export function checkCapacity(
  nodes: readonly NodeFacts[],
  pods: readonly PodFacts[],
  workloads: readonly WorkloadFacts[],
): CapacityFinding[] {
  const free = nodes.map((n) => {
    const others = pods.filter((p) => p.node === n.name && p.workload === undefined);
    const cpu = others.reduce((sum, p) => sum + p.requests.cpu, 0);
    const memory = others.reduce((sum, p) => sum + p.requests.memory, 0);
    return {
      node: n,
      cpu: n.allocatable.cpu - cpu,
      memory: n.allocatable.memory - memory,
      otherCpu: cpu,
      otherMemory: memory,
    };
  });
  const wanted = workloads
    .flatMap((w) => Array.from({ length: w.replicas }, () => w))
    .sort(
      (a, b) =>
        b.requests.memory - a.requests.memory || b.requests.cpu - a.requests.cpu || a.name.localeCompare(b.name),
    );
  const findings: CapacityFinding[] = [];
  for (const pod of wanted) {
    const fits = free
      .filter((f) => f.cpu >= pod.requests.cpu && f.memory >= pod.requests.memory)
      .sort((a, b) => b.memory - a.memory || b.cpu - a.cpu);
    const chosen = fits[0];
    if (chosen) {
      chosen.cpu -= pod.requests.cpu;
      chosen.memory -= pod.requests.memory;
      continue;
    }
    const best = [...free].sort((a, b) => b.memory - a.memory || b.cpu - a.cpu)[0];
    if (!best) {
      findings.push({ code: "node-capacity", node: "", message: `no node is ready for ${pod.name}` });
      continue;
    }
    findings.push({
      code: "node-capacity",
      node: best.node.name,
      message:
        `no node has room for ${pod.name} (requests cpu ${cores(pod.requests.cpu)}, memory ${gib(pod.requests.memory)}): ` +
        `the most is on ${best.node.name}, cpu ${cores(Math.max(0, best.cpu))} and memory ${gib(Math.max(0, best.memory))} left ` +
        `of allocatable cpu ${cores(best.node.allocatable.cpu)}, memory ${gib(best.node.allocatable.memory)} ` +
        `(other pods there request cpu ${cores(best.otherCpu)}, memory ${gib(best.otherMemory)})`,
    });
  }
  return findings;
}

/** The size of `ref` as a node lists it, else of the same repository at another tag on any node (an estimate). */
export function estimateSize(ref: string, nodes: readonly NodeFacts[]): number | undefined {
  let same: number | undefined;
  for (const node of nodes)
    for (const image of node.images) {
      if (namesMatch(image, ref)) return image.sizeBytes;
      if (same === undefined && image.names.some((n) => repositoryOf(n) === repositoryOf(ref))) same = image.sizeBytes;
    }
  return same;
}

export type ImagePresence = "present" | "missing" | "unknown";

/**
 * Whether a node holds `ref`, from its `status.images`. A listed name is present. An unlisted one is missing unless
 * the list is full (50 images) and the image could be smaller than the smallest listed: then the kubelet may simply
 * not report it, and it is unknown.
 */
export function imagePresence(images: readonly NodeImage[], ref: string, estimatedBytes?: number): ImagePresence {
  if (images.some((i) => namesMatch(i, ref))) return "present";
  if (images.length < NODE_STATUS_MAX_IMAGES) return "missing";
  const smallest = Math.min(...images.map((i) => i.sizeBytes));
  return estimatedBytes !== undefined && estimatedBytes > smallest ? "missing" : "unknown";
}

/**
 * Disk room for the images a node does not hold yet. The old release's images stay in use until the rollout, so
 * the kubelet's image GC (high threshold 85 %) can only free images no pod uses: the new ones must fit beside the
 * images in use below the threshold. Usage is the sum of `status.images` (a lower bound when the list is full).
 */
export function checkDisk(
  nodes: readonly NodeFacts[],
  pods: readonly PodFacts[],
  wanted: readonly string[],
  onNodes: readonly string[],
): { findings: CapacityFinding[]; needs: { node: string; images: string[]; bytes: number }[] } {
  const findings: CapacityFinding[] = [];
  const needs: { node: string; images: string[]; bytes: number }[] = [];
  for (const node of nodes.filter((n) => onNodes.includes(n.name))) {
    const missing = wanted.filter((ref) => imagePresence(node.images, ref, estimateSize(ref, nodes)) !== "present");
    const bytes = missing.reduce((sum, ref) => sum + (estimateSize(ref, nodes) ?? 0), 0);
    needs.push({ node: node.name, images: missing, bytes });
    if (missing.length === 0 || node.ephemeralCapacityBytes <= 0) continue;
    const used = node.images.reduce((sum, i) => sum + i.sizeBytes, 0);
    const usedRefs = new Set(pods.filter((p) => p.node === node.name).flatMap((p) => p.images));
    const inUse = node.images
      .filter((i) => [...usedRefs].some((ref) => namesMatch(i, ref)))
      .reduce((sum, i) => sum + i.sizeBytes, 0);
    const high = (node.ephemeralCapacityBytes * IMAGE_GC_HIGH_PERCENT) / 100;
    if (Math.min(used, inUse) + bytes <= high) continue;
    findings.push({
      code: "node-disk",
      node: node.name,
      message:
        `node ${node.name} has no disk room for the new images: they need about ${gb(bytes)} (${missing.length} image(s)), ` +
        `images in use take ${gb(inUse)} of its ${gb(node.ephemeralCapacityBytes)} disk, and the kubelet's image ` +
        `garbage collection starts at ${IMAGE_GC_HIGH_PERCENT} % (${gb(high)})`,
    });
  }
  return { findings, needs };
}

/** One node's pre-pull result, read back from its `status.images`. */
export interface NodeImagesVerdict {
  node: string;
  present: string[];
  missing: string[];
  unknown: string[];
  bytes: number;
}

export function verifyImages(
  nodes: readonly NodeFacts[],
  wanted: readonly string[],
  onNodes: readonly string[],
): NodeImagesVerdict[] {
  return onNodes.map((name) => {
    const node = nodes.find((n) => n.name === name);
    const verdict: NodeImagesVerdict = { node: name, present: [], missing: [], unknown: [], bytes: 0 };
    for (const ref of wanted) {
      const presence = node ? imagePresence(node.images, ref, estimateSize(ref, nodes)) : "missing";
      verdict[presence].push(ref);
      if (presence === "present") verdict.bytes += node?.images.find((i) => namesMatch(i, ref))?.sizeBytes ?? 0;
    }
    return verdict;
  });
}

/** What the pre-pull monitor observes: the DaemonSet's counters and each pod's state. */
export interface PrePullObservation {
  found: boolean;
  desired: number;
  ready: number;
  pods: { node: string; ready: boolean; createdAt?: string; readyAt?: string; waiting?: string }[];
}

export function evaluatePrePull(seen: PrePullObservation): { done: boolean; ok: boolean; summary: string } {
  if (!seen.found) return { done: true, ok: false, summary: "the pre-pull DaemonSet is gone" };
  const waiting = seen.pods.flatMap((p) => (p.waiting ? [`${p.node}: ${p.waiting}`] : []));
  const summary =
    `${seen.ready}/${seen.desired} nodes have the images` +
    (waiting.length ? `; ${waiting.join("; ").slice(0, 600)}` : "");
  return {
    done: seen.desired > 0 && seen.ready >= seen.desired,
    ok: seen.desired > 0 && seen.ready >= seen.desired,
    summary,
  };
}

/** The deadline of the pre-pull: its own, and never past the moment the change may start (the window opens). */
export function prePullDeadline(now: number, deadlineMs: number, startsAt: number | undefined): number {
  const own = now + deadlineMs;
  return startsAt !== undefined && startsAt > now ? Math.min(own, startsAt) : own;
}
