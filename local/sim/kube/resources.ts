import { humanDuration } from "../core/format.js";
import { col } from "./columns.js";
import type { FieldGetter } from "./selectors.js";
import { STORAGE_RESOURCES } from "./snapshots.js";
import type { KubeObject } from "./types.js";

export interface ColumnDef {
  name: string;
  type: "string" | "integer" | "date" | "number";
  format: string;
  description: string;
  priority: number;
}

export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Clients may create, update, patch and delete it; everything else is read-only for the simulator's identity. */
  writable: boolean;
  subresources: { name: string; verbs: string[] }[];
  columns: ColumnDef[];
  cells(object: KubeObject, now: number): unknown[];
  fields: Record<string, FieldGetter>;
}

export function dig(object: unknown, path: string): unknown {
  let node: unknown = object;
  for (const part of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const str = (object: unknown, path: string): string | undefined => {
  const value = dig(object, path);
  return typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : undefined;
};
const num = (object: unknown, path: string): number => {
  const value = dig(object, path);
  return typeof value === "number" ? value : 0;
};
const list = (object: unknown, path: string): unknown[] => {
  const value = dig(object, path);
  return Array.isArray(value) ? (value as unknown[]) : [];
};

const age = (object: KubeObject, now: number): string => since(object.metadata.creationTimestamp, now);

function since(timestamp: string | undefined, now: number): string {
  return timestamp ? humanDuration(now - Date.parse(timestamp)) : "<unknown>";
}

const NAME = col("Name", "string", 0, "name");
const AGE = col("Age");

const meta = (extra: Record<string, FieldGetter> = {}): Record<string, FieldGetter> => ({
  "metadata.name": (o) => str(o, "metadata.name"),
  "metadata.namespace": (o) => str(o, "metadata.namespace"),
  ...extra,
});

/** NAME, DESIRED, CURRENT, READY: how kubectl opens ReplicaSets and DaemonSets. */
const REPLICA_COLUMNS = [NAME, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer")];
/** The wide columns of workloads with a pod template: CONTAINERS, IMAGES, SELECTOR. */
const TEMPLATE_COLUMNS = [col("Containers", "string", 1), col("Images", "string", 1), col("Selector", "string", 1)];
const templateCells = (o: KubeObject): string[] => [
  containerNames(o, "spec.template.spec.containers"),
  images(o, "spec.template.spec.containers"),
  selectorText(o),
];

const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Pod STATUS as kubectl's printPod computes it. */
export function podStatusText(pod: unknown): string {
  let reason = str(pod, "status.reason") ?? str(pod, "status.phase") ?? "Unknown";
  // An init container that has not completed decides the status: Init:Error, Init:CrashLoopBackOff, Init:0/1.
  const inits = list(pod, "status.initContainerStatuses");
  const pending = inits.find((s) => str(s, "state.terminated.reason") !== "Completed");
  if (pending) {
    const why = str(pending, "state.waiting.reason") ?? str(pending, "state.terminated.reason");
    if (why && why !== "PodInitializing") return `Init:${why}`;
    if (str(pending, "state.running.startedAt")) return `Init:${inits.indexOf(pending)}/${inits.length}`;
  }
  for (const status of list(pod, "status.containerStatuses")) {
    const waiting = str(status, "state.waiting.reason");
    const terminated = str(status, "state.terminated.reason");
    if (waiting) reason = waiting;
    else if (terminated) reason = terminated;
  }
  if (str(pod, "metadata.deletionTimestamp")) reason = "Terminating";
  return reason;
}

function podRestarts(pod: unknown, now: number): string {
  let restarts = 0;
  let last: number | undefined;
  for (const status of list(pod, "status.containerStatuses")) {
    restarts += num(status, "restartCount");
    const finished = str(status, "lastState.terminated.finishedAt");
    if (finished) last = Math.max(last ?? 0, Date.parse(finished));
  }
  return last === undefined ? String(restarts) : `${restarts} (${humanDuration(now - last)} ago)`;
}

function containerNames(object: unknown, path: string): string {
  return list(object, path)
    .map((c) => str(c, "name") ?? "")
    .join(",");
}

function images(object: unknown, path: string): string {
  return list(object, path)
    .map((c) => str(c, "image") ?? "")
    .join(",");
}

function selectorText(object: unknown): string {
  const labels = dig(object, "spec.selector.matchLabels") ?? dig(object, "spec.selector");
  if (typeof labels !== "object" || labels === null) return "<none>";
  return Object.entries(labels as Record<string, unknown>)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
}

function servicePorts(object: unknown): string {
  const ports = list(object, "spec.ports").map((p) => {
    const node = str(p, "nodePort");
    return `${str(p, "port") ?? ""}${node ? `:${node}` : ""}/${str(p, "protocol") ?? "TCP"}`;
  });
  return ports.length ? ports.join(",") : "<none>";
}

function jobStatus(job: unknown): string {
  for (const condition of list(job, "status.conditions")) {
    if (str(condition, "status") !== "True") continue;
    const type = str(condition, "type");
    if (type === "Complete") return "Complete";
    if (type === "Failed") return "Failed";
  }
  return "Running";
}

function jobDuration(job: unknown, now: number): string {
  const start = str(job, "status.startTime");
  if (!start) return "";
  const end = str(job, "status.completionTime");
  return humanDuration((end ? Date.parse(end) : now) - Date.parse(start));
}

export const RESOURCES: readonly ResourceDef[] = [
  {
    group: "",
    version: "v1",
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    categories: [],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    writable: false,
    subresources: [],
    columns: [NAME, col("Status"), AGE],
    cells: (o, now) => [o.metadata.name, str(o, "status.phase") ?? "Active", age(o, now)],
    fields: { "metadata.name": (o) => str(o, "metadata.name"), "status.phase": (o) => str(o, "status.phase") },
  },
  {
    group: "",
    version: "v1",
    plural: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    categories: [],
    verbs: CRUD,
    writable: false,
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [
      NAME,
      col("Status"),
      col("Roles"),
      AGE,
      col("Version"),
      col("Internal-IP", "string", 1),
      col("External-IP", "string", 1),
      col("OS-Image", "string", 1),
      col("Kernel-Version", "string", 1),
      col("Container-Runtime", "string", 1),
    ],
    cells: (o, now) => [
      o.metadata.name,
      list(o, "status.conditions").some((c) => str(c, "type") === "Ready" && str(c, "status") === "True")
        ? "Ready"
        : "NotReady",
      "<none>",
      age(o, now),
      str(o, "status.nodeInfo.kubeletVersion") ?? "",
      list(o, "status.addresses")
        .map((a) => (str(a, "type") === "InternalIP" ? str(a, "address") : undefined))
        .find(Boolean) ?? "<none>",
      "<none>",
      str(o, "status.nodeInfo.osImage") ?? "",
      str(o, "status.nodeInfo.kernelVersion") ?? "",
      str(o, "status.nodeInfo.containerRuntimeVersion") ?? "",
    ],
    fields: { "metadata.name": (o) => str(o, "metadata.name"), "spec.unschedulable": () => "false" },
  },
  {
    group: "",
    version: "v1",
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    verbs: CRUD,
    writable: false,
    subresources: [
      { name: "log", verbs: ["get"] },
      { name: "exec", verbs: ["create", "get"] },
      { name: "status", verbs: ["get", "patch", "update"] },
    ],
    columns: [
      NAME,
      col("Ready"),
      col("Status"),
      col("Restarts"),
      AGE,
      col("IP", "string", 1),
      col("Node", "string", 1),
      col("Nominated Node", "string", 1),
      col("Readiness Gates", "string", 1),
    ],
    cells: (o, now) => {
      const statuses = list(o, "status.containerStatuses");
      const ready = statuses.filter((s) => dig(s, "ready") === true).length;
      return [
        o.metadata.name,
        `${ready}/${list(o, "spec.containers").length}`,
        podStatusText(o),
        podRestarts(o, now),
        age(o, now),
        str(o, "status.podIP") ?? "<none>",
        str(o, "spec.nodeName") ?? "<none>",
        "<none>",
        "<none>",
      ];
    },
    fields: meta({
      "spec.nodeName": (o) => str(o, "spec.nodeName") ?? "",
      "spec.restartPolicy": (o) => str(o, "spec.restartPolicy"),
      "spec.schedulerName": (o) => str(o, "spec.schedulerName"),
      "spec.serviceAccountName": (o) => str(o, "spec.serviceAccountName"),
      "spec.hostNetwork": (o) => str(o, "spec.hostNetwork") ?? "false",
      "status.phase": (o) => str(o, "status.phase"),
      "status.podIP": (o) => str(o, "status.podIP") ?? "",
      "status.nominatedNodeName": () => "",
    }),
  },
  {
    group: "",
    version: "v1",
    plural: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: CRUD,
    writable: false,
    subresources: [],
    columns: [NAME, col("Type"), col("Data", "string"), AGE],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "type") ?? "Opaque",
      Object.keys((dig(o, "data") as object | undefined) ?? {}).length,
      age(o, now),
    ],
    fields: meta({ type: (o) => str(o, "type") }),
  },
  {
    group: "",
    version: "v1",
    plural: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    verbs: CRUD,
    writable: false,
    subresources: [{ name: "proxy", verbs: ["create", "delete", "get", "patch", "update"] }],
    columns: [
      NAME,
      col("Type"),
      col("Cluster-IP"),
      col("External-IP"),
      col("Port(s)"),
      AGE,
      col("Selector", "string", 1),
    ],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "spec.type") ?? "ClusterIP",
      str(o, "spec.clusterIP") ?? "<none>",
      list(o, "status.loadBalancer.ingress")
        .map((i) => str(i, "ip"))
        .join(",") || "<none>",
      servicePorts(o),
      age(o, now),
      selectorText(o),
    ],
    fields: meta(),
  },
  {
    group: "",
    version: "v1",
    plural: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    categories: [],
    verbs: CRUD,
    writable: false,
    subresources: [],
    columns: [
      col("Last Seen"),
      col("Type"),
      col("Reason"),
      col("Object"),
      col("Subobject", "string", 1),
      col("Source", "string", 1),
      col("Message"),
      col("First Seen", "string", 1),
      col("Count", "string", 1),
      { ...NAME, priority: 1 },
    ],
    cells: (o, now) => [
      since(str(o, "lastTimestamp"), now),
      str(o, "type") ?? "Normal",
      str(o, "reason") ?? "",
      `${(str(o, "involvedObject.kind") ?? "").toLowerCase()}/${str(o, "involvedObject.name") ?? ""}`,
      str(o, "involvedObject.fieldPath") ?? "",
      `${str(o, "source.component") ?? ""}, ${str(o, "source.host") ?? ""}`,
      str(o, "message") ?? "",
      since(str(o, "firstTimestamp"), now),
      String(num(o, "count")),
      o.metadata.name,
    ],
    fields: meta({
      "involvedObject.kind": (o) => str(o, "involvedObject.kind"),
      "involvedObject.name": (o) => str(o, "involvedObject.name"),
      "involvedObject.namespace": (o) => str(o, "involvedObject.namespace"),
      "involvedObject.uid": (o) => str(o, "involvedObject.uid"),
      "involvedObject.apiVersion": (o) => str(o, "involvedObject.apiVersion"),
      "involvedObject.fieldPath": (o) => str(o, "involvedObject.fieldPath") ?? "",
      "involvedObject.resourceVersion": (o) => str(o, "involvedObject.resourceVersion") ?? "",
      reason: (o) => str(o, "reason"),
      reportingComponent: (o) => str(o, "reportingComponent") ?? "",
      source: (o) => str(o, "source.component"),
      type: (o) => str(o, "type"),
    }),
  },
  {
    group: "apps",
    version: "v1",
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    verbs: CRUD,
    writable: false,
    subresources: [
      { name: "status", verbs: ["get", "patch", "update"] },
      { name: "scale", verbs: ["get", "patch", "update"] },
    ],
    columns: [NAME, col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"), AGE, ...TEMPLATE_COLUMNS],
    cells: (o, now) => [
      o.metadata.name,
      `${num(o, "status.readyReplicas")}/${num(o, "spec.replicas")}`,
      num(o, "status.updatedReplicas"),
      num(o, "status.availableReplicas"),
      age(o, now),
      ...templateCells(o),
    ],
    fields: meta(),
  },
  {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    shortNames: ["sts"],
    categories: ["all"],
    verbs: CRUD,
    writable: false,
    subresources: [
      { name: "status", verbs: ["get", "patch", "update"] },
      { name: "scale", verbs: ["get", "patch", "update"] },
    ],
    columns: [NAME, col("Ready"), AGE, col("Containers", "string", 1), col("Images", "string", 1)],
    cells: (o, now) => [
      o.metadata.name,
      `${num(o, "status.readyReplicas")}/${num(o, "spec.replicas")}`,
      age(o, now),
      containerNames(o, "spec.template.spec.containers"),
      images(o, "spec.template.spec.containers"),
    ],
    fields: meta(),
  },
  {
    group: "apps",
    version: "v1",
    plural: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    namespaced: true,
    shortNames: ["ds"],
    categories: ["all"],
    verbs: CRUD,
    // The release pages delete cluedin-prometheus-node-exporter by hand before upgrading.
    writable: true,
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [
      ...REPLICA_COLUMNS,
      col("Up-to-date", "integer"),
      col("Available", "integer"),
      col("Node Selector"),
      AGE,
      ...TEMPLATE_COLUMNS,
    ],
    cells: (o, now) => [
      o.metadata.name,
      num(o, "status.desiredNumberScheduled"),
      num(o, "status.currentNumberScheduled"),
      num(o, "status.numberReady"),
      num(o, "status.updatedNumberScheduled"),
      num(o, "status.numberAvailable"),
      "<none>",
      age(o, now),
      ...templateCells(o),
    ],
    fields: meta(),
  },
  {
    group: "apps",
    version: "v1",
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    verbs: CRUD,
    writable: false,
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [...REPLICA_COLUMNS, AGE, ...TEMPLATE_COLUMNS],
    cells: (o, now) => [
      o.metadata.name,
      num(o, "spec.replicas"),
      num(o, "status.replicas"),
      num(o, "status.readyReplicas"),
      age(o, now),
      ...templateCells(o),
    ],
    fields: meta(),
  },
  {
    group: "batch",
    version: "v1",
    plural: "jobs",
    singular: "job",
    kind: "Job",
    namespaced: true,
    shortNames: [],
    categories: ["all"],
    verbs: CRUD,
    writable: false,
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [NAME, col("Status"), col("Completions"), col("Duration"), AGE, ...TEMPLATE_COLUMNS],
    cells: (o, now) => [
      o.metadata.name,
      jobStatus(o),
      `${num(o, "status.succeeded")}/${num(o, "spec.completions") || 1}`,
      jobDuration(o, now),
      age(o, now),
      ...templateCells(o),
    ],
    fields: meta({ "status.successful": (o) => String(num(o, "status.succeeded")) }),
  },
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    singular: "customresourcedefinition",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    verbs: CRUD,
    // The release pages delete and re-apply the monitoring.coreos.com CRDs.
    writable: true,
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [NAME, col("Created At", "date")],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ""],
    fields: meta(),
  },
  {
    group: "api.cluedin.com",
    version: "v1",
    plural: "dataupgrades",
    singular: "dataupgrade",
    kind: "DataUpgrade",
    namespaced: true,
    shortNames: ["du"],
    categories: [],
    verbs: CRUD,
    writable: true,
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [NAME, col("To Version"), col("Phase"), AGE],
    cells: (o, now) => [o.metadata.name, str(o, "spec.toVersion") ?? "", str(o, "status.phase") ?? "", age(o, now)],
    fields: meta(),
  },
  ...STORAGE_RESOURCES,
];

export function resourceKey(def: ResourceDef): string {
  return `${def.group}/${def.plural}`;
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** kubectl-style lookup by plural, singular, short name or kind (`po`, `pod`, `Pods`, `du`, `deploy.apps`). */
export function resolveResourceName(text: string): ResourceDef | undefined {
  const [name = "", ...groupParts] = text.toLowerCase().split(".");
  const group = groupParts.join(".");
  return RESOURCES.find(
    (r) =>
      (group === "" || r.group === group) &&
      (r.plural === name || r.singular === name || r.shortNames.includes(name) || r.kind.toLowerCase() === name),
  );
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
