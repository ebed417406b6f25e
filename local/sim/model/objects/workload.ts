import { rfc3339 } from "../../core/format.js";
import { uidFor } from "../../core/hash.js";
import type { KubeObject } from "../../kube/types.js";
import type { JobView, WorkloadView } from "../cluster.js";
import { requestsJson, WORKLOAD_REQUESTS } from "../nodes.js";
import { RELEASE_LABELS, type WorkloadDef } from "../workloads.js";
import { helmAnnotations, helmLabels, type ObjectContext } from "./context.js";

function podTemplate(def: WorkloadDef, view: WorkloadView): Record<string, unknown> {
  const { desired } = view.current;
  const env = def.runsInUpgradeMode
    ? [{ name: "CLUEDIN_MODE", value: desired.upgradeMode ? "upgrade" : "normal" }]
    : [];
  return {
    metadata: { labels: { ...def.labels, ...RELEASE_LABELS, "app.kubernetes.io/name": def.name } },
    spec: {
      containers: [
        {
          name: def.container,
          image: `${desired.image}:${desired.tag}`,
          imagePullPolicy: "IfNotPresent",
          ports: [{ containerPort: def.port, protocol: "TCP" }],
          ...(env.length ? { env } : {}),
          ...(WORKLOAD_REQUESTS[def.name]
            ? { resources: { requests: requestsJson(WORKLOAD_REQUESTS[def.name]) } }
            : {}),
        },
      ],
      restartPolicy: "Always",
    },
  };
}

// The API server drops zero-valued status counters (`omitempty`): clients must not expect readyReplicas: 0.
const omitZero = (entries: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== 0));

export function workloadObject(view: WorkloadView, ctx: ObjectContext): KubeObject {
  const { def, current } = view;
  const live = view.pods.filter((p) => p.deletionAt === undefined);
  const ready = live.filter((p) => p.ready).length;
  const metadata = {
    name: def.name,
    namespace: ctx.namespace,
    uid: uidFor(`${def.kind}/${def.name}`),
    generation: view.specGeneration,
    creationTimestamp: rfc3339(view.createdAt),
    labels: helmLabels(ctx, def),
    annotations: {
      ...helmAnnotations(ctx),
      ...(def.kind === "Deployment" ? { "deployment.kubernetes.io/revision": String(current.revision) } : {}),
    },
  };
  const selector = {
    matchLabels: { ...def.labels, "app.kubernetes.io/instance": RELEASE_LABELS["app.kubernetes.io/instance"] },
  };
  const since = rfc3339(current.startAt);
  if (def.kind === "StatefulSet") {
    return {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata,
      spec: {
        replicas: current.desired.replicas,
        selector,
        serviceName: `${def.name}-headless`,
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        template: podTemplate(def, view),
      },
      status: {
        observedGeneration: view.specGeneration,
        ...omitZero({
          replicas: live.length,
          readyReplicas: ready,
          currentReplicas: live.length,
          updatedReplicas: live.length,
          availableReplicas: ready,
        }),
        currentRevision: `${def.name}-${current.hash}`,
        updateRevision: `${def.name}-${current.hash}`,
        collisionCount: 0,
      },
    };
  }
  const available = ready >= current.desired.replicas;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: current.desired.replicas,
      selector,
      strategy: { type: "Recreate" },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: podTemplate(def, view),
    },
    status: {
      observedGeneration: view.specGeneration,
      ...omitZero({
        replicas: view.pods.length,
        updatedReplicas: live.length,
        readyReplicas: ready,
        availableReplicas: ready,
        unavailableReplicas: Math.max(0, current.desired.replicas - ready),
      }),
      conditions: [
        {
          type: "Available",
          status: available ? "True" : "False",
          reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          message: available
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
          lastUpdateTime: since,
          lastTransitionTime: since,
        },
        {
          type: "Progressing",
          status: "True",
          reason: available ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
          message: available
            ? `ReplicaSet "${def.name}-${current.hash}" has successfully progressed.`
            : `ReplicaSet "${def.name}-${current.hash}" is progressing.`,
          lastUpdateTime: since,
          lastTransitionTime: since,
        },
      ],
    },
  };
}

export function replicaSetObjects(view: WorkloadView, ctx: ObjectContext): KubeObject[] {
  if (view.def.kind !== "Deployment") return [];
  const latestByHash = new Map(view.generations.map((g) => [g.hash, g]));
  return [...latestByHash.values()].map((generation) => {
    const isCurrent = generation.hash === view.current.hash;
    const pods = view.pods.filter(
      (p) => p.labels["pod-template-hash"] === generation.hash && p.deletionAt === undefined,
    );
    const name = `${view.def.name}-${generation.hash}`;
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: ctx.namespace,
        uid: uidFor(name),
        creationTimestamp: rfc3339(generation.startAt),
        labels: {
          ...view.def.labels,
          "app.kubernetes.io/instance": RELEASE_LABELS["app.kubernetes.io/instance"],
          "pod-template-hash": generation.hash,
        },
        annotations: { "deployment.kubernetes.io/revision": String(generation.revision) },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: view.def.name,
            uid: uidFor(`Deployment/${view.def.name}`),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: isCurrent ? generation.desired.replicas : 0,
        selector: { matchLabels: { ...view.def.labels, "pod-template-hash": generation.hash } },
        template: {
          metadata: { labels: { ...view.def.labels, "pod-template-hash": generation.hash } },
          spec: {
            containers: [{ name: view.def.container, image: `${generation.desired.image}:${generation.desired.tag}` }],
          },
        },
      },
      status: {
        observedGeneration: 1,
        replicas: pods.length,
        ...omitZero({
          readyReplicas: pods.filter((p) => p.ready).length,
          availableReplicas: pods.filter((p) => p.ready).length,
        }),
      },
    };
  });
}

export function jobObject(job: JobView, ctx: ObjectContext): KubeObject {
  const done = job.pod.completed !== undefined;
  const running = job.pod.phase === "Running";
  const start = rfc3339(job.run.startAt);
  const end = rfc3339(job.completedAt);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: job.def.name,
      namespace: ctx.namespace,
      uid: job.uid,
      generation: 1,
      creationTimestamp: start,
      labels: {
        ...helmLabels(ctx, {}),
        phase: "init-db",
        "batch.kubernetes.io/controller-uid": job.uid,
        "controller-uid": job.uid,
      },
      annotations: helmAnnotations(ctx),
    },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: "NonIndexed",
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": job.uid } },
      template: {
        metadata: { labels: job.pod.labels },
        spec: { containers: [{ name: job.def.container, image: job.pod.image }], restartPolicy: "Never" },
      },
    },
    status: {
      startTime: start,
      ...(done
        ? {
            succeeded: 1,
            completionTime: end,
            conditions: [
              { type: "SuccessCriteriaMet", status: "True", lastProbeTime: end, lastTransitionTime: end },
              { type: "Complete", status: "True", lastProbeTime: end, lastTransitionTime: end },
            ],
          }
        : { active: 1 }),
      ready: running ? 1 : 0,
      terminating: 0,
      uncountedTerminatedPods: {},
    },
  };
}
