/**
 * Container images on the nodes: what each node's containerd holds, how long a pull takes, and what the kubelet
 * reports in `Node.status.images`. Grounded in the kubelet (kubernetes/kubernetes):
 * - `pkg/kubelet/nodestatus/setters.go` `Images`: the image list arrives sorted by size, descending, and is truncated
 *   to `nodeStatusMaxImages`; each image lists up to `MaxNamesPerImageInNodeStatus` (5) names.
 * - `staging/src/k8s.io/kubelet/config/v1beta1/types.go`: `nodeStatusMaxImages` default 50, `serializeImagePulls`
 *   default true (one pull at a time per node), `imageGCHighThresholdPercent` 85 and `imageGCLowThresholdPercent` 80.
 * - `pkg/kubelet/images/image_manager.go`: a failed pull is `ErrImagePull`, then `ImagePullBackOff` while the
 *   kubelet backs off (10 s doubling to 300 s, `pkg/kubelet/kubelet.go` `backOffPeriod`/`MaxContainerBackOff`).
 * Image sizes are modelled assumptions (no public source lists the sizes of CluedIn's images): the server image is
 * a .NET application with its NuGet packages, several GB; infrastructure images are the public images' usual sizes.
 */

/** `nodeStatusMaxImages` default (kubelet config v1beta1 types.go). */
export const NODE_STATUS_MAX_IMAGES = 50;
/** `imageGCHighThresholdPercent` / `imageGCLowThresholdPercent` defaults (kubelet config v1beta1 types.go). */
export const IMAGE_GC_HIGH_PERCENT = 85;
export const IMAGE_GC_LOW_PERCENT = 80;
/** Modelled: registry round trips (token, manifest, config) before the layers stream. */
export const PULL_LATENCY_MS = 1_000;
/** Modelled size of cluedin/cluedin-server, the image the default `imagePullMs` is calibrated on. */
export const SERVER_IMAGE_BYTES = 3_900_000_000;

const MB = 1_000_000;

/** Modelled sizes by repository (registry stripped). */
const SIZES: Record<string, number> = {
  "cluedin/cluedin-server": SERVER_IMAGE_BYTES,
  "cluedin/ui": 310 * MB,
  "cluedin/cluedin-ui-gql": 420 * MB,
  "cluedin/data-source": 880 * MB,
  "cluedin/data-source-processing": 870 * MB,
  "cluedin/data-source-submitter": 520 * MB,
  "cluedin/controller": 190 * MB,
  "cluedin/openrefine": 640 * MB,
  "cluedin/ai-host": 1_450 * MB,
  "cluedin/sqlserver-init": 330 * MB,
  "cluedin/neo4j-init": 210 * MB,
  "cluedin/nuget-installer": 760 * MB,
  "cluedin/neo4j": 610 * MB,
  "mssql/server": 1_580 * MB,
  "jcmoraisjr/haproxy-ingress": 48 * MB,
  "grafana/grafana": 420 * MB,
  "prometheus-operator/prometheus-operator": 42 * MB,
  "kube-state-metrics/kube-state-metrics": 44 * MB,
  "elasticsearch/elasticsearch": 810 * MB,
  "bitnami/rabbitmq": 260 * MB,
  "bitnami/redis": 110 * MB,
  "prometheus/prometheus": 250 * MB,
  "prometheus/alertmanager": 72 * MB,
  "groundnuty/k8s-wait-for": 18 * MB,
  "oss/kubernetes/pause": 300_000,
};

/**
 * What an AKS node holds before CluedIn runs on it (modelled on an AKS Ubuntu node image's pre-pulled system
 * images: kube-proxy, CNI, CSI drivers, CoreDNS, metrics-server, konnectivity...): enough that, with CluedIn's, a node
 * holds more images than the 50 the kubelet reports, so the list is really capped.
 */
export const SYSTEM_IMAGES: readonly { ref: string; size: number }[] = Array.from({ length: 44 }, (_, i) => {
  const names = [
    "kube-proxy",
    "azure-cni",
    "azuredisk-csi",
    "azurefile-csi",
    "csi-node-driver-registrar",
    "livenessprobe",
    "coredns",
    "metrics-server",
    "konnectivity-agent",
    "cloud-node-manager",
    "ip-masq-agent-v2",
    "azure-policy",
  ];
  const name = names[i % names.length] ?? "system";
  return {
    ref: `mcr.microsoft.com/oss/kubernetes/${name}:v1.${20 + Math.floor(i / names.length)}.${i}`,
    size: (12 + ((i * 37) % 140)) * MB,
  };
}).concat([{ ref: "mcr.microsoft.com/oss/kubernetes/pause:3.6", size: SIZES["oss/kubernetes/pause"] ?? MB }]);

/** The repository of an image reference: registry, tag and digest stripped (`cluedinprod.azurecr.io/a/b:1` -> `a/b`). */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split("@")[0] ?? ref;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  const noTag = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const parts = noTag.split("/");
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  return (hasRegistry ? parts.slice(1) : parts).join("/");
}

export function imageSize(ref: string): number {
  const repo = repositoryOf(ref);
  return SIZES[repo] ?? SIZES[repo.split("/").slice(-3).join("/")] ?? 150 * MB;
}

export interface PullFault {
  mode: "fail" | "slow";
  /** Only images whose reference contains this text. */
  match?: string;
  /** Only on these nodes. */
  nodes?: readonly string[];
  /** From when to when the fault applies (simulator time). */
  from: number;
  until: number;
  /** Slow pulls take this many times as long. */
  factor: number;
}

/** One pull of one image on one node: attempts that failed, then the one that succeeded (or none yet). */
export interface Pull {
  node: string;
  ref: string;
  size: number;
  requestedAt: number;
  /** When the image is present; Infinity while every attempt fails. */
  doneAt: number;
  failures: { startedAt: number; failedAt: number; message: string }[];
}

interface NodeImagesState {
  present: Map<string, { size: number; at: number }>;
  pulls: Map<string, Pull>;
  /** serializeImagePulls: the next pull starts when this one ends. */
  busyUntil: number;
  capacityBytes: number;
}

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_CAP_MS = 300_000;
const MAX_ATTEMPTS = 40;

export interface ImageNodeFacts {
  images: { names: string[]; sizeBytes: number }[];
  usedBytes: number;
  capacityBytes: number;
}

/**
 * Every node's image store over time. A pull is planned when a pod needing the image is created on the node: it
 * waits for the node's earlier pulls (serialized), takes `latency + size / bandwidth`, and is shared by every pod
 * that needs the same image there. A present image stays (nothing here is garbage-collected: the nodes keep far
 * below the GC threshold unless a fault shrinks a disk).
 */
export class ImageCache {
  private readonly nodes = new Map<string, NodeImagesState>();
  private faults: PullFault[] = [];
  private readonly diskFull = new Set<string>();

  /**
   * `msPerByte` and `latencyMs` are already time-scaled; `backoffScale` scales the kubelet's back-off.
   */
  constructor(
    nodeNames: readonly string[],
    capacityBytes: number,
    private readonly msPerByte: number,
    readonly latency: number,
    private readonly backoffScale: number,
  ) {
    for (const name of nodeNames)
      this.nodes.set(name, { present: new Map(), pulls: new Map(), busyUntil: -Infinity, capacityBytes });
  }

  /** An image the node already holds since `at` (installation). */
  seed(node: string, ref: string, at: number): void {
    const state = this.nodes.get(node);
    if (state && !state.present.has(ref)) state.present.set(ref, { size: imageSize(ref), at });
  }

  setPullFaults(faults: PullFault[]): void {
    this.faults = faults;
  }

  /** A disk so full that the images in use already fill it past the GC threshold, minus a little (the fault). */
  setDiskFull(nodes: readonly string[], at: number): void {
    for (const [name, state] of this.nodes) {
      const full = nodes.includes(name);
      if (full && !this.diskFull.has(name)) {
        const used = this.usedBytes(name, at);
        // In use at 83 %: under the GC high threshold (nothing to collect), with no room for a large new image.
        state.capacityBytes = Math.ceil(used / 0.83);
        this.diskFull.add(name);
      }
    }
  }

  /** When `ref` is present on `node` for a pod created at `at`: now if held, else the (shared) pull's end. */
  require(node: string, ref: string, at: number): Pull | undefined {
    const state = this.nodes.get(node);
    if (!state) return undefined;
    const held = state.present.get(ref);
    if (held && held.at <= at) return undefined;
    const existing = state.pulls.get(ref);
    if (existing && (existing.doneAt !== Infinity || existing.requestedAt <= at)) return existing;
    const pull = this.plan(node, state, ref, at);
    state.pulls.set(ref, pull);
    if (pull.doneAt !== Infinity) state.present.set(ref, { size: pull.size, at: pull.doneAt });
    return pull;
  }

  /** The moment `ref` is usable on `node` for a pod created at `at` (Infinity: never). */
  readyAt(node: string, ref: string, at: number): number {
    return this.require(node, ref, at)?.doneAt ?? at;
  }

  /** The pod that wanted the pull is gone before it finished: the kubelet stops retrying (the pre-pull deleted). */
  cancel(node: string, ref: string, at: number): void {
    const state = this.nodes.get(node);
    const pull = state?.pulls.get(ref);
    if (!state || !pull || pull.doneAt <= at) return;
    state.pulls.delete(ref);
    state.present.delete(ref);
  }

  pullOf(node: string, ref: string): Pull | undefined {
    return this.nodes.get(node)?.pulls.get(ref);
  }

  /** Every pull planned so far, in request order. */
  pulls(): Pull[] {
    return [...this.nodes.values()].flatMap((s) => [...s.pulls.values()]).sort((a, b) => a.requestedAt - b.requestedAt);
  }

  usedBytes(node: string, t: number): number {
    let used = 0;
    for (const image of this.nodes.get(node)?.present.values() ?? []) if (image.at <= t) used += image.size;
    return used;
  }

  /** What the kubelet reports at `t`: the images by size descending, capped at 50, and the disk's size and use. */
  facts(node: string, t: number): ImageNodeFacts {
    const state = this.nodes.get(node);
    const images = [...(state?.present.entries() ?? [])]
      .filter(([, image]) => image.at <= t)
      .map(([ref, image]) => ({ names: [ref], sizeBytes: image.size }))
      .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.names[0] ?? "").localeCompare(b.names[0] ?? ""));
    return {
      images: images.slice(0, NODE_STATUS_MAX_IMAGES),
      usedBytes: this.usedBytes(node, t),
      capacityBytes: state?.capacityBytes ?? 0,
    };
  }

  private plan(node: string, state: NodeImagesState, ref: string, at: number): Pull {
    const size = imageSize(ref);
    const pull: Pull = { node, ref, size, requestedAt: at, doneAt: Infinity, failures: [] };
    let attemptAt = at;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const start = Math.max(attemptAt, state.busyUntil);
      const fault = this.faults.find(
        (f) =>
          start >= f.from &&
          start < f.until &&
          (f.match === undefined || ref.includes(f.match)) &&
          (f.nodes === undefined || f.nodes.includes(node)),
      );
      const slow = fault?.mode === "slow" ? fault.factor : 1;
      const duration = this.latency + size * this.msPerByte * slow;
      if (fault?.mode === "fail") {
        const failedAt = start + this.latency;
        state.busyUntil = failedAt;
        pull.failures.push({ startedAt: start, failedAt, message: rateLimited(ref) });
      } else if (this.usedBytes(node, start) + size > state.capacityBytes) {
        const failedAt = start + duration / 2;
        state.busyUntil = failedAt;
        pull.failures.push({ startedAt: start, failedAt, message: noSpace(ref) });
      } else {
        pull.doneAt = start + duration;
        state.busyUntil = pull.doneAt;
        return pull;
      }
      const last = pull.failures[pull.failures.length - 1];
      const backoff = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt) * this.backoffScale;
      attemptAt = (last?.failedAt ?? start) + backoff;
    }
    return pull;
  }
}

/** containerd's answer to Docker Hub's pull rate limit, as the kubelet reports it (`Failed to pull image ...`). */
function rateLimited(ref: string): string {
  return (
    `Failed to pull image "${ref}": rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": ` +
    `failed to copy: httpReadSeeker: failed open: unexpected status code 429 Too Many Requests - Server message: ` +
    `toomanyrequests: You have reached your pull rate limit.`
  );
}

function noSpace(ref: string): string {
  return (
    `Failed to pull image "${ref}": rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": ` +
    `failed to extract layer: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots: ` +
    `no space left on device`
  );
}

/** The kubelet's state of a pull at `t` for a container waiting on it: ErrImagePull after the first failure, then
 * ImagePullBackOff with the last error (kubelet `pkg/kubelet/images/image_manager.go`). */
export function pullWaiting(pull: Pull | undefined, t: number): { reason: string; message: string } | undefined {
  if (!pull || pull.doneAt <= t) return undefined;
  const failures = pull.failures.filter((f) => f.failedAt <= t);
  const last = failures[failures.length - 1];
  if (!last) return undefined;
  return failures.length === 1
    ? { reason: "ErrImagePull", message: last.message }
    : { reason: "ImagePullBackOff", message: `Back-off pulling image "${pull.ref}": ErrImagePull: ${last.message}` };
}
