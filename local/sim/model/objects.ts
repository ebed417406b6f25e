import { rfc3339 } from "../core/format.js";
import { hexId, smallInt, uidFor } from "../core/hash.js";
import type { KubeObject } from "../kube/types.js";
import type { ContainerState, Terminated } from "./containers.js";
import type { JobView, PodView, WorkloadView } from "./cluster.js";
import { RELEASE_LABELS, type WorkloadDef } from "./workloads.js";

/** Builds the Kubernetes objects the API server returns from the model's views. */
export interface ObjectContext {
  namespace: string;
  releaseName: string;
  chartVersion: string;
  now: number;
}

const helmAnnotations = (ctx: ObjectContext): Record<string, string> => ({
  "meta.helm.sh/release-name": ctx.releaseName,
  "meta.helm.sh/release-namespace": ctx.namespace,
});

const helmLabels = (ctx: ObjectContext, def: { labels?: Record<string, string> }): Record<string, string> => ({
  ...(def.labels ?? {}),
  ...RELEASE_LABELS,
  "app.kubernetes.io/managed-by": "Helm",
  "helm.sh/chart": `cluedin-platform-${ctx.chartVersion}`,
});

function stateJson(state: ContainerState): Record<string, unknown> {
  switch (state.kind) {
    case "running":
      return { running: { startedAt: rfc3339(state.startedAt) } };
    case "waiting":
      return { waiting: { reason: state.reason, message: state.message } };
    case "terminated":
      return { terminated: terminatedJson(state.terminated) };
  }
}

function terminatedJson(t: Terminated): Record<string, unknown> {
  return { exitCode: t.exitCode, reason: t.reason, startedAt: rfc3339(t.startedAt), finishedAt: rfc3339(t.finishedAt) };
}

function containerSpec(pod: PodView): Record<string, unknown> {
  return {
    name: pod.containerName,
    image: pod.image,
    imagePullPolicy: "IfNotPresent",
    ...(pod.port ? { ports: [{ containerPort: pod.port, protocol: "TCP" }] } : {}),
    ...(Object.keys(pod.env).length ? { env: Object.entries(pod.env).map(([name, value]) => ({ name, value })) } : {}),
    ...(pod.readinessPath && pod.port
      ? {
          readinessProbe: {
            httpGet: { path: pod.readinessPath, port: pod.port, scheme: "HTTP" },
            periodSeconds: 10,
            failureThreshold: 3,
          },
        }
      : {}),
    resources: { requests: { cpu: "250m", memory: "512Mi" } },
  };
}

export function podObject(pod: PodView, ctx: ObjectContext): KubeObject {
  const created = rfc3339(pod.createdAt);
  const container = pod.container;
  const started = container !== undefined;
  let state: Record<string, unknown>;
  if (pod.completed)
    state = { terminated: { ...terminatedJson({ ...pod.completed, exitCode: 0, reason: "Completed" }) } };
  else if (container) state = stateJson(container.state);
  else state = { waiting: { reason: "ContainerCreating" } };
  const readySince = container && pod.ready ? rfc3339(container.readyAt) : created;
  const condition = (type: string, ok: boolean, at: string): Record<string, unknown> => ({
    type,
    status: ok ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: at,
  });
  const ownerApi = pod.owner.kind === "Job" ? "batch/v1" : "apps/v1";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: pod.name,
      namespace: ctx.namespace,
      uid: pod.uid,
      creationTimestamp: created,
      ...(pod.owner.kind === "StatefulSet" ? {} : { generateName: pod.name.slice(0, pod.name.lastIndexOf("-") + 1) }),
      labels: pod.labels,
      ...(pod.deletionAt !== undefined
        ? { deletionTimestamp: rfc3339(pod.deletionAt + 30_000), deletionGracePeriodSeconds: 30 }
        : {}),
      ownerReferences: [
        {
          apiVersion: ownerApi,
          kind: pod.owner.kind,
          name: pod.owner.name,
          uid: pod.owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [containerSpec(pod)],
      restartPolicy: pod.owner.kind === "Job" ? "Never" : "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      schedulerName: "default-scheduler",
      nodeName: pod.nodeName,
      priority: 0,
    },
    status: {
      phase: pod.phase,
      conditions: [
        condition("PodReadyToStartContainers", started || pod.completed !== undefined, created),
        condition("Initialized", true, created),
        condition("Ready", pod.ready, readySince),
        condition("ContainersReady", pod.ready, readySince),
        condition("PodScheduled", true, created),
      ],
      hostIP: `10.224.0.${4 + smallInt(pod.nodeName, 3)}`,
      ...(started || pod.completed ? { podIP: pod.podIP, podIPs: [{ ip: pod.podIP }] } : {}),
      startTime: created,
      containerStatuses: [
        {
          name: pod.containerName,
          image: pod.image,
          imageID: started || pod.completed ? `${pod.image.split(":")[0] ?? ""}@sha256:${hexId(pod.image, 64)}` : "",
          ...(started ? { containerID: `containerd://${hexId(`${pod.uid}/${container.restarts}`, 64)}` } : {}),
          ready: pod.ready,
          started: container?.state.kind === "running",
          restartCount: container?.restarts ?? 0,
          state,
          lastState: container?.lastTerminated ? { terminated: terminatedJson(container.lastTerminated) } : {},
        },
      ],
      qosClass: "Burstable",
    },
  };
}

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
          ports: [{ containerPort: def.port, protocol: "TCP" }],
          ...(env.length ? { env } : {}),
        },
      ],
      restartPolicy: "Always",
    },
  };
}

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

function event(
  ctx: ObjectContext,
  pod: PodView,
  reason: string,
  type: "Normal" | "Warning",
  message: string,
  first: number,
  last: number,
  count: number,
  component = "kubelet",
): KubeObject {
  const name = `${pod.name}.${hexId(`${pod.uid}/${reason}`, 16)}`;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace: ctx.namespace, uid: uidFor(name), creationTimestamp: rfc3339(first) },
    involvedObject: {
      kind: "Pod",
      namespace: ctx.namespace,
      name: pod.name,
      uid: pod.uid,
      apiVersion: "v1",
      ...(component === "kubelet" ? { fieldPath: `spec.containers{${pod.containerName}}` } : {}),
    },
    reason,
    message,
    source: { component, ...(component === "kubelet" ? { host: pod.nodeName } : {}) },
    firstTimestamp: rfc3339(first),
    lastTimestamp: rfc3339(last),
    count,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: component === "kubelet" ? pod.nodeName : "",
  };
}

/** The events kubelet and the scheduler would have recorded for the pods that exist now. */
export function podEvents(pods: readonly PodView[], ctx: ObjectContext): KubeObject[] {
  const out: KubeObject[] = [];
  for (const pod of pods) {
    if (
      ctx.now - pod.createdAt > 3_600_000 &&
      pod.deletionAt === undefined &&
      pod.container?.lastTerminated === undefined
    )
      continue;
    out.push(
      event(
        ctx,
        pod,
        "Scheduled",
        "Normal",
        `Successfully assigned ${ctx.namespace}/${pod.name} to ${pod.nodeName}`,
        pod.createdAt,
        pod.createdAt,
        1,
        "default-scheduler",
      ),
    );
    const container = pod.container;
    const startedAt = container
      ? container.state.kind === "running"
        ? container.state.startedAt
        : container.lastTerminated?.startedAt
      : pod.completed?.startedAt;
    if (startedAt !== undefined) {
      const starts = (container?.restarts ?? 0) + 1;
      out.push(
        event(
          ctx,
          pod,
          "Pulled",
          "Normal",
          `Container image "${pod.image}" already present on machine`,
          pod.createdAt,
          startedAt,
          starts,
        ),
      );
      out.push(
        event(
          ctx,
          pod,
          "Created",
          "Normal",
          `Created container ${pod.containerName}`,
          pod.createdAt,
          startedAt,
          starts,
        ),
      );
      out.push(
        event(
          ctx,
          pod,
          "Started",
          "Normal",
          `Started container ${pod.containerName}`,
          pod.createdAt,
          startedAt,
          starts,
        ),
      );
    } else {
      out.push(event(ctx, pod, "Pulling", "Normal", `Pulling image "${pod.image}"`, pod.createdAt, pod.createdAt, 1));
    }
    if (container?.lastTerminated && container.restarts > 0) {
      out.push(
        event(
          ctx,
          pod,
          "BackOff",
          "Warning",
          `Back-off restarting failed container ${pod.containerName} in pod ${pod.name}_${ctx.namespace}(${pod.uid})`,
          container.lastTerminated.finishedAt,
          ctx.now,
          container.restarts,
        ),
      );
    }
    if (
      container &&
      !pod.ready &&
      pod.readinessPath &&
      pod.port &&
      pod.deletionAt === undefined &&
      container.state.kind === "running"
    ) {
      const firstProbe = container.state.startedAt + 10_000;
      if (ctx.now >= firstProbe) {
        out.push(
          event(
            ctx,
            pod,
            "Unhealthy",
            "Warning",
            `Readiness probe failed: HTTP probe failed with statuscode: 503`,
            firstProbe,
            ctx.now,
            1 + Math.floor((ctx.now - firstProbe) / 10_000),
          ),
        );
      }
    }
    if (pod.deletionAt !== undefined) {
      out.push(
        event(
          ctx,
          pod,
          "Killing",
          "Normal",
          `Stopping container ${pod.containerName}`,
          pod.deletionAt,
          pod.deletionAt,
          1,
        ),
      );
    }
  }
  return out;
}

export function serviceObjects(defs: readonly WorkloadDef[], ctx: ObjectContext, createdAt: number): KubeObject[] {
  return defs.map((def) => {
    const loadBalancer = def.serviceType === "LoadBalancer";
    const ports =
      def.name === "cluedin-rabbitmq"
        ? [
            { name: "amqp", port: 5672, targetPort: 5672, protocol: "TCP" },
            { name: "http-stats", port: 15672, targetPort: 15672, protocol: "TCP" },
          ]
        : [
            {
              name: "http",
              port: def.port,
              targetPort: def.port,
              protocol: "TCP",
              ...(loadBalancer ? { nodePort: 30080 + smallInt(def.name, 100) } : {}),
            },
          ];
    if (loadBalancer) ports.push({ name: "https", port: 443, targetPort: 443, protocol: "TCP", nodePort: 30443 });
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: def.name,
        namespace: ctx.namespace,
        uid: uidFor(`Service/${def.name}`),
        creationTimestamp: rfc3339(createdAt),
        labels: helmLabels(ctx, def),
        annotations: helmAnnotations(ctx),
      },
      spec: {
        type: def.serviceType ?? "ClusterIP",
        clusterIP: `10.0.${smallInt(def.name, 250)}.${1 + smallInt(`${def.name}/ip`, 250)}`,
        ports,
        selector: { ...def.labels, "app.kubernetes.io/instance": RELEASE_LABELS["app.kubernetes.io/instance"] },
        sessionAffinity: "None",
      },
      status: { loadBalancer: loadBalancer ? { ingress: [{ ip: "20.31.118.42" }] } : {} },
    };
  });
}

export function nodeObjects(names: readonly string[], kubernetesVersion: string, createdAt: number): KubeObject[] {
  return names.map((name, index) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: uidFor(`Node/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels: {
        agentpool: "nodepool1",
        "kubernetes.azure.com/role": "agent",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "Standard_D8s_v5",
      },
    },
    spec: { podCIDR: `10.244.${index}.0/24`, providerID: `azure:///subscriptions/sim/virtualMachineScaleSets/${name}` },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory" },
        { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure" },
        { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID" },
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
      ],
      addresses: [
        { type: "InternalIP", address: `10.224.0.${4 + index}` },
        { type: "Hostname", address: name },
      ],
      capacity: { cpu: "8", memory: "32863356Ki", pods: "110" },
      allocatable: { cpu: "7820m", memory: "28434556Ki", pods: "110" },
      nodeInfo: {
        kubeletVersion: `v${kubernetesVersion}`,
        kubeProxyVersion: `v${kubernetesVersion}`,
        osImage: "Ubuntu 22.04.5 LTS",
        kernelVersion: "5.15.0-1074-azure",
        containerRuntimeVersion: "containerd://1.7.22-1",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  }));
}

export function namespaceObjects(names: readonly string[], createdAt: number): KubeObject[] {
  return names.map((name) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      uid: uidFor(`Namespace/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels: { "kubernetes.io/metadata.name": name },
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  }));
}

export function opaqueSecret(
  name: string,
  data: Record<string, string>,
  ctx: ObjectContext,
  createdAt: number,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name,
      namespace: ctx.namespace,
      uid: uidFor(`Secret/${name}`),
      creationTimestamp: rfc3339(createdAt),
      labels: helmLabels(ctx, {}),
      annotations: helmAnnotations(ctx),
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

export function dataUpgradeCrd(createdAt: number): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "dataupgrades.api.cluedin.com",
      uid: uidFor("crd/dataupgrades"),
      creationTimestamp: rfc3339(createdAt),
      generation: 1,
    },
    spec: {
      group: "api.cluedin.com",
      names: {
        plural: "dataupgrades",
        singular: "dataupgrade",
        kind: "DataUpgrade",
        listKind: "DataUpgradeList",
        shortNames: ["du"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "To Version", type: "string", jsonPath: ".spec.toVersion" },
            { name: "Phase", type: "string", jsonPath: ".status.phase" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", required: ["toVersion"], properties: { toVersion: { type: "string" } } },
                status: { type: "object", properties: { phase: { type: "string" }, message: { type: "string" } } },
              },
            },
          },
        },
      ],
    },
    status: {
      acceptedNames: { plural: "dataupgrades", kind: "DataUpgrade", shortNames: ["du"] },
      storedVersions: ["v1"],
    },
  };
}
