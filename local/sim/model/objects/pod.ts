import { rfc3339 } from "../../core/format.js";
import { hexId, smallInt, uidFor } from "../../core/hash.js";
import type { KubeObject } from "../../kube/types.js";
import type { PodView } from "../cluster.js";
import type { ContainerState, Terminated } from "../containers.js";
import { requestsJson, WORKLOAD_REQUESTS } from "../nodes.js";
import type { ObjectContext } from "./context.js";

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

export function terminatedJson(t: Terminated): Record<string, unknown> {
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
    // The chart's requests (model/nodes.ts); none for components the chart gives none (BestEffort).
    ...(WORKLOAD_REQUESTS[pod.workload]
      ? { resources: { requests: requestsJson(WORKLOAD_REQUESTS[pod.workload]) } }
      : {}),
  };
}

/** common.wait.single (cluedin-common templates/_wait.tpl): `wait-<service>` running groundnuty/k8s-wait-for. */
function waitContainerSpec(service: string, ctx: ObjectContext): Record<string, unknown> {
  return {
    name: `wait-${service}`,
    image: "cluedinprod.azurecr.io/groundnuty/k8s-wait-for:v2.0",
    args: ["service", service, "-n", ctx.namespace],
  };
}

function initStatus(pod: PodView, service: string, created: string): Record<string, unknown> {
  const name = `wait-${service}`;
  const blocked = pod.blockedInit?.name === name ? pod.blockedInit.view : undefined;
  const base = { name, image: "cluedinprod.azurecr.io/groundnuty/k8s-wait-for:v2.0", ready: false };
  if (!blocked) {
    const done = pod.container !== undefined || pod.completed !== undefined;
    return {
      ...base,
      restartCount: 0,
      started: false,
      state: done
        ? { terminated: { exitCode: 0, reason: "Completed", startedAt: created, finishedAt: created } }
        : { waiting: { reason: "PodInitializing" } },
    };
  }
  return {
    ...base,
    restartCount: blocked.restarts,
    started: blocked.state.kind === "running",
    state: stateJson(blocked.state),
    lastState: blocked.lastTerminated ? { terminated: terminatedJson(blocked.lastTerminated) } : {},
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
  else if (pod.blockedInit) state = { waiting: { reason: "PodInitializing" } };
  else if (pod.pullWaiting) state = { waiting: pod.pullWaiting };
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
      ...(pod.waitsFor?.length
        ? { initContainers: pod.waitsFor.map((service) => waitContainerSpec(service, ctx)) }
        : {}),
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
      ...(pod.waitsFor?.length ? { initContainerStatuses: pod.waitsFor.map((s) => initStatus(pod, s, created)) } : {}),
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
      qosClass: WORKLOAD_REQUESTS[pod.workload] ? "Burstable" : "BestEffort",
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
      pod.container?.lastTerminated === undefined &&
      !pod.probeFailing &&
      !pod.blockedInit
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
    if (pod.blockedInit?.view.lastTerminated) {
      // upgrade-guide/050 Scenario 4: `Warning  Failed  5m  kubelet  Init container "wait-cluedin-gql" failed`.
      const first = pod.blockedInit.view.lastTerminated.finishedAt;
      out.push(
        event(
          ctx,
          pod,
          "Failed",
          "Warning",
          `Init container "${pod.blockedInit.name}" failed`,
          first,
          ctx.now,
          1 + pod.blockedInit.view.restarts,
        ),
      );
    }
    if (
      container &&
      !pod.ready &&
      ((pod.readinessPath && pod.port) || pod.probeFailing) &&
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
