/**
 * The DaemonSet controller and kubelet for DaemonSets a client creates (the upgrade's image pre-pull): one pod per
 * node, whose init containers run in order, each after the kubelet has its image (pulled through the node's image
 * store, model/images.ts), then the main container. This is the pattern of zero-to-jupyterhub's hook image puller
 * (jupyterhub/zero-to-jupyterhub-k8s jupyterhub/templates/image-puller/_helpers-daemonset.tpl: one init container
 * per image that only echoes, a `pause` main container). Status counters as the DaemonSet controller writes them
 * (kubernetes pkg/controller/daemon/daemon_controller.go `updateDaemonSetStatus`).
 */
import { rfc3339 } from "../core/format.js";
import { hexId, nameSuffix, uidFor } from "../core/hash.js";
import type { KubeObject } from "../kube/types.js";
import { pullWaiting, type ImageCache } from "./images.js";

interface ContainerSpec {
  name: string;
  image: string;
}

interface PodRun {
  node: string;
  name: string;
  uid: string;
  /** When each init container finished (Infinity: its image never came). */
  initDone: number[];
  mainStart: number;
}

interface RunningSet {
  name: string;
  namespace: string;
  uid: string;
  createdAt: number;
  inits: ContainerSpec[];
  main: ContainerSpec;
  labels: Record<string, string>;
  pods: PodRun[];
}

const containersOf = (value: unknown): ContainerSpec[] =>
  Array.isArray(value)
    ? value.flatMap((c: unknown) => {
        const { name, image } = (c ?? {}) as { name?: unknown; image?: unknown };
        return typeof name === "string" && typeof image === "string" ? [{ name, image }] : [];
      })
    : [];

export class DaemonSetRunner {
  private readonly sets = new Map<string, RunningSet>();

  constructor(
    private readonly images: ImageCache,
    private readonly nodes: readonly string[],
    /** Scaled: the kubelet starts the pod's sandbox before the first container. */
    private readonly startMs: number,
  ) {}

  /** A created DaemonSet: its pods are scheduled on every node at once and their pulls planned. */
  created(object: KubeObject, at: number): void {
    const spec = (object.spec ?? {}) as {
      template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown };
    };
    const podSpec = (spec.template?.spec ?? {}) as { initContainers?: unknown; containers?: unknown };
    const main = containersOf(podSpec.containers)[0];
    if (!main) return;
    const set: RunningSet = {
      name: object.metadata.name,
      namespace: object.metadata.namespace ?? "default",
      uid: object.metadata.uid ?? uidFor(`DaemonSet/${object.metadata.name}/${at}`),
      createdAt: at,
      inits: containersOf(podSpec.initContainers),
      main,
      labels: spec.template?.metadata?.labels ?? {},
      pods: [],
    };
    for (const node of this.nodes) {
      const name = `${set.name}-${nameSuffix(`${set.uid}/${node}`, 5)}`;
      const initDone: number[] = [];
      let t = at + this.startMs;
      for (const init of set.inits) {
        t = this.images.readyAt(node, init.image, t);
        initDone.push(t);
        if (t === Infinity) break;
      }
      const mainStart = t === Infinity ? Infinity : this.images.readyAt(node, main.image, t);
      set.pods.push({ node, name, uid: uidFor(`${name}/${at}`), initDone, mainStart });
    }
    this.sets.set(`${set.namespace}/${set.name}`, set);
  }

  /** Deleted: its pods go, and the kubelet stops the pulls they were still waiting for. */
  deleted(namespace: string, name: string, at: number): void {
    const set = this.sets.get(`${namespace}/${name}`);
    if (!set) return;
    this.sets.delete(`${namespace}/${name}`);
    for (const pod of set.pods)
      for (const container of [...set.inits, set.main]) this.images.cancel(pod.node, container.image, at);
  }

  has(namespace: string, name: string): boolean {
    return this.sets.has(`${namespace}/${name}`);
  }

  /** The status the controller writes at `t`. */
  status(namespace: string, name: string, t: number): Record<string, number> | undefined {
    const set = this.sets.get(`${namespace}/${name}`);
    if (!set) return undefined;
    const ready = set.pods.filter((p) => p.mainStart <= t).length;
    const n = set.pods.length;
    return {
      currentNumberScheduled: n,
      desiredNumberScheduled: n,
      numberMisscheduled: 0,
      numberReady: ready,
      updatedNumberScheduled: n,
      numberAvailable: ready,
      numberUnavailable: n - ready,
      observedGeneration: 1,
    };
  }

  pods(t: number): KubeObject[] {
    return [...this.sets.values()].flatMap((set) => set.pods.map((pod) => this.podObject(set, pod, t)));
  }

  private podObject(set: RunningSet, pod: PodRun, t: number): KubeObject {
    const created = rfc3339(set.createdAt);
    const running = pod.mainStart <= t;
    const initStatuses = set.inits.map((init, i) => {
      const done = pod.initDone[i] ?? Infinity;
      const started = i === 0 ? set.createdAt : (pod.initDone[i - 1] ?? Infinity);
      const base = { name: init.name, image: init.image, ready: done <= t, restartCount: 0, started: false };
      if (done <= t)
        return {
          ...base,
          imageID: `${init.image.split(":")[0] ?? ""}@sha256:${hexId(init.image, 64)}`,
          state: {
            terminated: { exitCode: 0, reason: "Completed", startedAt: rfc3339(done), finishedAt: rfc3339(done) },
          },
        };
      const waiting = started <= t ? pullWaiting(this.images.pullOf(pod.node, init.image), t) : undefined;
      return { ...base, imageID: "", state: { waiting: waiting ?? { reason: "PodInitializing" } } };
    });
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: pod.name,
        generateName: `${set.name}-`,
        namespace: set.namespace,
        uid: pod.uid,
        creationTimestamp: created,
        labels: { ...set.labels, "controller-revision-hash": nameSuffix(set.uid, 10), "pod-template-generation": "1" },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            name: set.name,
            uid: set.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        initContainers: set.inits.map((c) => ({ ...c, imagePullPolicy: "IfNotPresent" })),
        containers: [{ ...set.main, imagePullPolicy: "IfNotPresent" }],
        nodeName: pod.node,
        restartPolicy: "Always",
        schedulerName: "default-scheduler",
        tolerations: [{ operator: "Exists" }],
      },
      status: {
        phase: running ? "Running" : "Pending",
        startTime: created,
        conditions: [
          { type: "Initialized", status: running ? "True" : "False", lastTransitionTime: created },
          { type: "Ready", status: running ? "True" : "False", lastTransitionTime: created },
          { type: "PodScheduled", status: "True", lastTransitionTime: created },
        ],
        initContainerStatuses: initStatuses,
        containerStatuses: [
          {
            name: set.main.name,
            image: set.main.image,
            ready: running,
            started: running,
            restartCount: 0,
            state: running
              ? { running: { startedAt: rfc3339(pod.mainStart) } }
              : { waiting: { reason: "PodInitializing" } },
          },
        ],
        qosClass: "BestEffort",
      },
    };
  }
}
