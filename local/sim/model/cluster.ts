import { nameSuffix, smallInt, uidFor } from "../core/hash.js";
import { containerAt, type ContainerTimings, type ContainerView, type CrashWindow } from "./containers.js";
import { ImageCache, PULL_LATENCY_MS, pullWaiting, SERVER_IMAGE_BYTES, type Pull } from "./images.js";
import { NODE_SHAPE, placeWorkloads } from "./nodes.js";
import type { Timings } from "./timings.js";
import {
  JOBS,
  RELEASE_LABELS,
  WORKLOADS,
  type DesiredState,
  type DesiredWorkload,
  type JobDef,
  type WorkloadDef,
} from "./workloads.js";

/** One pod template of a workload (a Deployment's ReplicaSet, a StatefulSet revision) and when it rolled out. */
export interface Generation {
  revision: number;
  hash: string;
  desired: DesiredWorkload;
  startAt: number;
  podsCreateAt: number;
  notReadyUntil: number;
}

interface WorkloadState {
  def: WorkloadDef;
  createdAt: number;
  /** metadata.generation: bumps on every spec change (template or replicas). */
  specGeneration: number;
  generations: Generation[];
  crashWindows: CrashWindow[];
}

interface JobRun {
  run: number;
  startAt: number;
  /** Image reference with the registry, without the tag. */
  image: string;
  tag: string;
}

const jobImage = (def: JobDef, desired: DesiredState): string =>
  desired.registry ? `${desired.registry}/${def.image}` : def.image;

interface JobState {
  def: JobDef;
  runs: JobRun[];
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface PodView {
  name: string;
  uid: string;
  workload: string;
  owner: { kind: "ReplicaSet" | "StatefulSet" | "Job"; name: string; uid: string };
  labels: Record<string, string>;
  createdAt: number;
  deletionAt?: number;
  containerName: string;
  image: string;
  phase: PodPhase;
  /** Undefined while the image is pulled (ContainerCreating). */
  container?: ContainerView;
  /** The container waits on a pull that failed (ErrImagePull, ImagePullBackOff). */
  pullWaiting?: { reason: string; message: string };
  completed?: { startedAt: number; finishedAt: number };
  ready: boolean;
  nodeName: string;
  podIP: string;
  env: Record<string, string>;
  port?: number;
  readinessPath?: string;
  isServer: boolean;
  /** What the chart rendered for the pod's generation (tag, mode, packages); absent for job pods. */
  desired?: DesiredWorkload;
  /** The readiness probe keeps failing (the notReady fault). */
  probeFailing?: boolean;
  /** Services its `wait-<service>` init containers wait for (common.wait.single). */
  waitsFor?: readonly string[];
  /** The init container that cannot finish (the initWaiting fault), and its crash-looping state. */
  blockedInit?: { name: string; view: ContainerView };
}

export interface WorkloadView {
  def: WorkloadDef;
  createdAt: number;
  specGeneration: number;
  current: Generation;
  generations: readonly Generation[];
  pods: PodView[];
}

export interface JobView {
  def: JobDef;
  run: JobRun;
  uid: string;
  pod: PodView;
  completedAt: number;
}

export interface ApplyOptions {
  /** Pods of this rollout are not ready before this time (the slow-rollout fault). */
  notReadyUntil?: number;
  /** Workloads whose new pods crash-loop (the crashLoopAfterUpgrade fault). */
  crashAfterRollout?: readonly string[];
}

export const NODES = [
  "aks-nodepool1-31415926-vmss000000",
  "aks-nodepool1-31415926-vmss000001",
  "aks-nodepool1-31415926-vmss000002",
];

/**
 * The node image stores for a scenario's timings: the server image pulls in `imagePullMs` (the flat pull time this
 * model replaces), every other image in proportion to its size, after a fixed latency (model/images.ts).
 */
export function imageCacheFor(timings: Timings, scale: number): ImageCache {
  const latency = Math.min(PULL_LATENCY_MS * scale, timings.imagePullMs / 2);
  const msPerByte = Math.max(0, timings.imagePullMs - latency) / SERVER_IMAGE_BYTES;
  return new ImageCache(NODES, NODE_SHAPE.capacity.ephemeralBytes, msPerByte, latency, scale);
}

/** The CluedIn workloads over time: every rollout is kept as a generation, and pod state is derived from them. */
export class CluedInCluster {
  private readonly workloads = new Map<string, WorkloadState>();
  private readonly jobs = new Map<string, JobState>();
  private notReady = new Set<string>();
  private initWaiting = new Set<string>();
  private readonly placement: Map<string, string>;

  /** `timings` are already scaled; `scale` converts the workloads' own realistic durations. */
  constructor(
    private readonly timings: Timings,
    private readonly scale: number,
    installedAt: number,
    desired: DesiredState,
    runningSince: number,
    readonly images: ImageCache = imageCacheFor(timings, scale),
  ) {
    this.placement = placeWorkloads(
      WORKLOADS.map((w) => w.name),
      NODES,
      (name) => smallInt(name, NODES.length),
    );
    for (const def of WORKLOADS) {
      const want = desired.workloads.get(def.name);
      if (!want) continue;
      const startedAt = def.fixedTag ? installedAt : runningSince;
      this.workloads.set(def.name, {
        def,
        createdAt: installedAt,
        specGeneration: 1,
        generations: [this.generation(def, want, 1, startedAt, startedAt, 0)],
        crashWindows: [],
      });
    }
    for (const def of JOBS)
      this.jobs.set(def.name, {
        def,
        runs: [{ run: 1, startAt: runningSince, image: jobImage(def, desired), tag: desired.platformTag }],
      });
    // What the nodes pulled for the pods and jobs that run now.
    for (const state of this.workloads.values())
      for (const g of state.generations)
        if (g.desired.replicas > 0) this.images.seed(this.nodeOf(state.def.name), imageRef(g.desired), installedAt);
    for (const job of this.jobs.values())
      for (const run of job.runs) this.images.seed(this.jobNode(job.def, run), `${run.image}:${run.tag}`, installedAt);
  }

  /** The node the scheduler gave a workload's pods (model/nodes.ts). */
  nodeOf(workload: string): string {
    return this.placement.get(workload) ?? NODES[0] ?? "aks-nodepool1-0";
  }

  /** When a container of `image` can start on `node` for a pod created at `at` (the image pulled, or held). */
  private imageReady(node: string, image: string, at: number): number {
    return this.images.readyAt(node, image, at);
  }

  /** Rolls the workloads to `desired` at time `at` (what `kubectl apply` of the rendered chart does). */
  apply(desired: DesiredState, at: number, options: ApplyOptions = {}): string[] {
    const changed: string[] = [];
    // Workloads a values switch turns on or off (cluedin-ai): helm creates or deletes them outright.
    for (const def of WORKLOADS) {
      const want = desired.workloads.get(def.name);
      if (want && !this.workloads.has(def.name)) {
        this.workloads.set(def.name, {
          def,
          createdAt: at,
          specGeneration: 1,
          generations: [this.generation(def, want, 1, at, at, options.notReadyUntil ?? 0)],
          crashWindows: [],
        });
        if (want.replicas > 0) this.imageReady(this.nodeOf(def.name), imageRef(want), at);
        changed.push(def.name);
      } else if (!want && this.workloads.delete(def.name)) changed.push(def.name);
    }
    for (const state of this.workloads.values()) {
      const want = desired.workloads.get(state.def.name);
      const current = state.generations[state.generations.length - 1];
      if (!want || !current) continue;
      const templateChanged = templateKey(current.desired) !== templateKey(want);
      if (!templateChanged && current.desired.replicas === want.replicas) continue;
      const oldPodsRunning = current.desired.replicas > 0 && current.podsCreateAt <= at;
      const podsCreateAt = at + (oldPodsRunning ? this.timings.podTerminateMs : 0);
      const revision = templateChanged ? this.revisionFor(state, want) : current.revision;
      const generation = this.generation(state.def, want, revision, at, podsCreateAt, options.notReadyUntil ?? 0);
      if (!templateChanged) generation.hash = current.hash;
      state.generations.push(generation);
      state.specGeneration++;
      const pulledAt =
        want.replicas > 0 ? this.imageReady(this.nodeOf(state.def.name), imageRef(want), podsCreateAt) : 0;
      if (options.crashAfterRollout?.includes(state.def.name) && want.replicas > 0) {
        state.crashWindows.push({ from: pulledAt });
      }
      changed.push(state.def.name);
    }
    if (desired.runDatabaseJobs) {
      for (const job of this.jobs.values()) {
        const run = {
          run: (job.runs[job.runs.length - 1]?.run ?? 0) + 1,
          startAt: at,
          image: jobImage(job.def, desired),
          tag: desired.platformTag,
        };
        job.runs.push(run);
        this.jobStart(job.def, run);
      }
    }
    return changed;
  }

  startCrashing(workload: string, at: number, reason: CrashWindow["reason"] = "Error"): void {
    const state = this.workloads.get(workload);
    if (state && !state.crashWindows.some((w) => w.until === undefined)) state.crashWindows.push({ from: at, reason });
  }

  /** Workloads whose readiness probe fails (`notReady`) or whose init container cannot finish (`initWaiting`). */
  setSymptoms(notReady: readonly string[], initWaiting: readonly string[]): void {
    this.notReady = new Set(notReady);
    this.initWaiting = new Set(initWaiting);
  }

  stopCrashing(workload: string, at: number): void {
    for (const window of this.workloads.get(workload)?.crashWindows ?? []) {
      if (window.until === undefined) window.until = Math.max(at, window.from);
    }
  }

  workloadViews(t: number): WorkloadView[] {
    return [...this.workloads.values()].map((state) => this.view(state, t));
  }

  workloadView(name: string, t: number): WorkloadView | undefined {
    const state = this.workloads.get(name);
    return state ? this.view(state, t) : undefined;
  }

  jobViews(t: number): JobView[] {
    return [...this.jobs.values()].flatMap((state) => {
      const run = state.runs[state.runs.length - 1];
      return run ? [this.jobView(state.def, run, t)] : [];
    });
  }

  /** When every workload's current pods are ready (helm --wait); Infinity if some never will be. */
  readyAt(t: number): number {
    let latest = 0;
    for (const view of this.workloadViews(t)) {
      const { current } = view;
      if (current.desired.replicas === 0) {
        latest = Math.max(latest, current.startAt);
        continue;
      }
      const pods = view.pods.filter((p) => p.deletionAt === undefined);
      if (pods.length < current.desired.replicas) {
        latest = Math.max(latest, this.readyAtOfUncreated(view.def, current, t));
        continue;
      }
      for (const pod of pods)
        latest = Math.max(latest, pod.container?.readyAt ?? this.readyAtOfUncreated(view.def, current, t));
    }
    return latest;
  }

  /** When the current init job runs complete (helm --wait-for-jobs). */
  jobsCompleteAt(t: number): number {
    return Math.max(0, ...this.jobViews(t).map((job) => job.completedAt));
  }

  private readyAtOfUncreated(def: WorkloadDef, generation: Generation, t: number): number {
    const state = this.workloads.get(def.name);
    const start = this.imageReady(this.nodeOf(def.name), imageRef(generation.desired), generation.podsCreateAt);
    if (start === Infinity) return Infinity;
    const view = containerAt(
      start,
      state?.crashWindows ?? [],
      generation.notReadyUntil,
      Math.max(t, start),
      this.containerTimings(def),
    );
    return view.readyAt;
  }

  private view(state: WorkloadState, t: number): WorkloadView {
    const gens = state.generations.filter((g) => g.startAt <= t);
    const current = gens[gens.length - 1] ?? state.generations[0];
    if (!current) throw new Error(`workload ${state.def.name} has no generation`);
    const pods: PodView[] = [];
    const previous = gens[gens.length - 2];
    if (previous && previous.desired.replicas > 0 && previous.podsCreateAt <= current.startAt) {
      const terminateEnd = current.startAt + this.timings.podTerminateMs;
      const replaced = previous.hash !== current.hash || current.desired.replicas < previous.desired.replicas;
      if (replaced && t < terminateEnd) {
        for (let i = 0; i < previous.desired.replicas; i++) {
          const pod = this.pod(state, previous, i, current.startAt);
          pods.push({ ...pod, deletionAt: current.startAt, ready: false });
        }
      }
    }
    if (t >= current.podsCreateAt) {
      for (let i = 0; i < current.desired.replicas; i++) pods.push(this.pod(state, current, i, t));
    }
    return {
      def: state.def,
      createdAt: state.createdAt,
      specGeneration: state.specGeneration,
      current,
      generations: gens,
      pods,
    };
  }

  private pod(state: WorkloadState, generation: Generation, ordinal: number, t: number): PodView {
    const { def } = state;
    const isStatefulSet = def.kind === "StatefulSet";
    const name = isStatefulSet
      ? `${def.name}-${ordinal}`
      : `${def.name}-${generation.hash}-${nameSuffix(`${def.name}/${generation.startAt}/${ordinal}`, 5)}`;
    const ownerName = isStatefulSet ? def.name : `${def.name}-${generation.hash}`;
    const nodeName = this.nodeOf(def.name);
    const image = imageRef(generation.desired);
    const containerStart = this.imageReady(nodeName, image, generation.podsCreateAt);
    const waitingOnPull = pullWaiting(this.images.pullOf(nodeName, image), t);
    const blocked = this.initWaiting.has(def.name) && def.waitsFor?.[0] !== undefined;
    const running =
      t >= containerStart && !blocked
        ? containerAt(containerStart, state.crashWindows, generation.notReadyUntil, t, this.containerTimings(def))
        : undefined;
    const probeFailing = this.notReady.has(def.name) && running?.state.kind === "running";
    const container = running && probeFailing ? { ...running, ready: false, readyAt: Infinity } : running;
    // The wait-<service> init container crash-loops like any container; the main one never starts.
    const init =
      blocked && t >= containerStart
        ? {
            name: `wait-${def.waitsFor?.[0] ?? ""}`,
            view: containerAt(containerStart, [{ from: containerStart }], 0, t, this.containerTimings(undefined)),
          }
        : undefined;
    const labels: Record<string, string> = { ...def.labels, ...RELEASE_LABELS, "app.kubernetes.io/name": def.name };
    if (isStatefulSet) {
      labels["controller-revision-hash"] = `${def.name}-${generation.hash}`;
      labels["statefulset.kubernetes.io/pod-name"] = name;
    } else {
      labels["pod-template-hash"] = generation.hash;
    }
    const env: Record<string, string> = {};
    if (def.runsInUpgradeMode) env.CLUEDIN_MODE = generation.desired.upgradeMode ? "upgrade" : "normal";
    return {
      name,
      uid: uidFor(`${name}/${generation.podsCreateAt}`),
      workload: def.name,
      owner: { kind: isStatefulSet ? "StatefulSet" : "ReplicaSet", name: ownerName, uid: uidFor(ownerName) },
      labels,
      createdAt: generation.podsCreateAt,
      containerName: def.container,
      image,
      phase: container ? "Running" : "Pending",
      ...(container !== undefined ? { container } : {}),
      ...(container === undefined && waitingOnPull ? { pullWaiting: waitingOnPull } : {}),
      ...(probeFailing ? { probeFailing } : {}),
      ...(init !== undefined ? { blockedInit: init } : {}),
      ...(def.waitsFor?.length ? { waitsFor: def.waitsFor } : {}),
      ready: container?.ready ?? false,
      nodeName,
      podIP: `10.244.${smallInt(`${name}/a`, 3)}.${2 + smallInt(`${name}/b`, 250)}`,
      env,
      port: def.port,
      ...(def.readinessPath !== undefined ? { readinessPath: def.readinessPath } : {}),
      isServer: def.runsInUpgradeMode,
      desired: generation.desired,
    };
  }

  private jobView(def: JobDef, run: JobRun, t: number): JobView {
    const name = `${def.name}-${nameSuffix(`${def.name}/${run.run}/${run.startAt}`, 5)}`;
    const jobUid = uidFor(`${def.name}/${run.run}/${run.startAt}`);
    const containerStart = this.jobStart(def, run);
    const completedAt = containerStart + this.timings[def.runTiming];
    const done = t >= completedAt;
    const running = t >= containerStart;
    const pod: PodView = {
      name,
      uid: uidFor(name),
      workload: def.name,
      owner: { kind: "Job", name: def.name, uid: jobUid },
      labels: {
        ...RELEASE_LABELS,
        phase: "init-db",
        "job-name": def.name,
        "batch.kubernetes.io/job-name": def.name,
        "controller-uid": jobUid,
        "batch.kubernetes.io/controller-uid": jobUid,
      },
      createdAt: run.startAt,
      containerName: def.container,
      image: `${run.image}:${run.tag}`,
      phase: done ? "Succeeded" : running ? "Running" : "Pending",
      ...(running && !done
        ? { container: containerAt(containerStart, [], 0, t, { ...this.containerTimings(undefined), readyMs: 0 }) }
        : {}),
      ...(done ? { completed: { startedAt: containerStart, finishedAt: completedAt } } : {}),
      ready: running && !done,
      nodeName: this.jobNode(def, run),
      podIP: `10.244.${smallInt(`${name}/a`, 3)}.${2 + smallInt(`${name}/b`, 250)}`,
      env: {},
      isServer: false,
    };
    return { def, run, uid: jobUid, pod, completedAt };
  }

  private jobNode(def: JobDef, run: JobRun): string {
    const name = `${def.name}-${nameSuffix(`${def.name}/${run.run}/${run.startAt}`, 5)}`;
    return NODES[smallInt(name, NODES.length)] ?? "aks-nodepool1-0";
  }

  /**
   * The init jobs' images are `imagePullPolicy: Always` (cluedin-application values.yaml containerImages): a held
   * image still costs the registry round trip that resolves its digest; an absent one is pulled.
   */
  private jobStart(def: JobDef, run: JobRun): number {
    const node = this.jobNode(def, run);
    const image = `${run.image}:${run.tag}`;
    const pull: Pull | undefined = this.images.require(node, image, run.startAt);
    return pull ? pull.doneAt : run.startAt + this.images.latency;
  }

  private generation(
    def: WorkloadDef,
    desired: DesiredWorkload,
    revision: number,
    startAt: number,
    podsCreateAt: number,
    notReadyUntil: number,
  ): Generation {
    return {
      revision,
      hash: nameSuffix(`${def.name}|${templateKey(desired)}`, 10),
      desired,
      startAt,
      podsCreateAt,
      notReadyUntil,
    };
  }

  private revisionFor(state: WorkloadState, want: DesiredWorkload): number {
    const same = state.generations.find((g) => templateKey(g.desired) === templateKey(want));
    return same?.revision ?? Math.max(...state.generations.map((g) => g.revision)) + 1;
  }

  private containerTimings(def: WorkloadDef | undefined): ContainerTimings {
    return {
      readyMs: def?.readyTiming ? this.timings[def.readyTiming] : this.scaled(def?.readyMs ?? 0),
      crashRunMs: this.timings.crashRunMs,
      backoffBaseMs: this.timings.crashBackoffBaseMs,
      backoffCapMs: this.timings.crashBackoffCapMs,
    };
  }

  /** `timings` arrive scaled; workload and job definitions hold realistic durations and are scaled here. */
  private scaled(realisticMs: number): number {
    return realisticMs * this.scale;
  }
}

const imageRef = (desired: DesiredWorkload): string => `${desired.image}:${desired.tag}`;

function templateKey(desired: DesiredWorkload): string {
  return `${desired.image}:${desired.tag}|${desired.templateKey}`;
}
