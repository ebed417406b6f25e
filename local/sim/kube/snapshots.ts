/**
 * The storage resources of the simulated API server: claims, volumes, storage classes, and CSI snapshots
 * (`snapshot.storage.k8s.io/v1`). Columns follow kubectl's printers for the built-ins and the CRDs'
 * additionalPrinterColumns in kubernetes-csi/external-snapshotter client/config/crd/*.yaml for the snapshot kinds.
 * Helpers are local: resources.ts imports this module, and a value import back would be a cycle.
 */
import { humanDuration } from "../core/format.js";
import { col } from "./columns.js";
import type { FieldGetter } from "./selectors.js";
import type { ResourceDef } from "./resources.js";
import type { KubeObject } from "./types.js";

export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

const dig = (object: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (node, part) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined),
      object,
    );
const str = (object: unknown, path: string): string => {
  const value = dig(object, path);
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
};
const NAME = col("Name", "string", 0, "name");
const AGE = col("Age");
const age = (o: KubeObject, now: number): string =>
  o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : "<unknown>";
const meta = (extra: Record<string, FieldGetter> = {}): Record<string, FieldGetter> => ({
  "metadata.name": (o) => str(o, "metadata.name"),
  "metadata.namespace": (o) => str(o, "metadata.namespace"),
  ...extra,
});
const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

const base = {
  categories: [] as string[],
  verbs: CRUD,
  writable: true,
};

export const STORAGE_RESOURCES: readonly ResourceDef[] = [
  {
    ...base,
    group: "",
    version: "v1",
    plural: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    kind: "PersistentVolumeClaim",
    namespaced: true,
    shortNames: ["pvc"],
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [
      NAME,
      col("Status"),
      col("Volume"),
      col("Capacity"),
      col("Access Modes"),
      col("StorageClass"),
      col("VolumeAttributesClass"),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "status.phase"),
      str(o, "spec.volumeName"),
      str(o, "status.capacity.storage"),
      ((dig(o, "status.accessModes") as string[] | undefined) ?? [])
        .map((m) => (m === "ReadWriteOnce" ? "RWO" : m))
        .join(","),
      str(o, "spec.storageClassName"),
      "<unset>",
      age(o, now),
    ],
    fields: meta({ "status.phase": (o) => str(o, "status.phase") }),
  },
  {
    ...base,
    group: "",
    version: "v1",
    plural: "persistentvolumes",
    singular: "persistentvolume",
    kind: "PersistentVolume",
    namespaced: false,
    shortNames: ["pv"],
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [
      NAME,
      col("Capacity"),
      col("Access Modes"),
      col("Reclaim Policy"),
      col("Status"),
      col("Claim"),
      col("StorageClass"),
      col("Reason"),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "spec.capacity.storage"),
      ((dig(o, "spec.accessModes") as string[] | undefined) ?? [])
        .map((m) => (m === "ReadWriteOnce" ? "RWO" : m))
        .join(","),
      str(o, "spec.persistentVolumeReclaimPolicy"),
      str(o, "status.phase"),
      str(o, "spec.claimRef.name") ? `${str(o, "spec.claimRef.namespace")}/${str(o, "spec.claimRef.name")}` : "",
      str(o, "spec.storageClassName"),
      "",
      age(o, now),
    ],
    fields: meta({ "status.phase": (o) => str(o, "status.phase") }),
  },
  {
    ...base,
    writable: false,
    group: "storage.k8s.io",
    version: "v1",
    plural: "storageclasses",
    singular: "storageclass",
    kind: "StorageClass",
    namespaced: false,
    shortNames: ["sc"],
    subresources: [],
    columns: [
      NAME,
      col("Provisioner"),
      col("ReclaimPolicy"),
      col("VolumeBindingMode"),
      col("AllowVolumeExpansion"),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "provisioner"),
      str(o, "reclaimPolicy"),
      str(o, "volumeBindingMode"),
      str(o, "allowVolumeExpansion") || "false",
      age(o, now),
    ],
    fields: meta(),
  },
  {
    ...base,
    group: SNAPSHOT_GROUP,
    version: "v1",
    plural: "volumesnapshotclasses",
    singular: "volumesnapshotclass",
    kind: "VolumeSnapshotClass",
    namespaced: false,
    shortNames: ["vsclass", "vsclasses"],
    subresources: [],
    columns: [NAME, col("Driver"), col("DeletionPolicy"), AGE],
    cells: (o, now) => [o.metadata.name, str(o, "driver"), str(o, "deletionPolicy"), age(o, now)],
    fields: meta(),
  },
  {
    ...base,
    group: SNAPSHOT_GROUP,
    version: "v1",
    plural: "volumesnapshots",
    singular: "volumesnapshot",
    kind: "VolumeSnapshot",
    namespaced: true,
    shortNames: ["vs"],
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [
      NAME,
      col("ReadyToUse"),
      col("SourcePVC"),
      col("SourceSnapshotContent"),
      col("RestoreSize"),
      col("SnapshotClass"),
      col("SnapshotContent"),
      col("CreationTime"),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "status.readyToUse"),
      str(o, "spec.source.persistentVolumeClaimName"),
      str(o, "spec.source.volumeSnapshotContentName"),
      str(o, "status.restoreSize"),
      str(o, "spec.volumeSnapshotClassName"),
      str(o, "status.boundVolumeSnapshotContentName"),
      str(o, "status.creationTime") ? humanDuration(now - Date.parse(str(o, "status.creationTime"))) : "",
      age(o, now),
    ],
    fields: meta(),
  },
  {
    ...base,
    group: SNAPSHOT_GROUP,
    version: "v1",
    plural: "volumesnapshotcontents",
    singular: "volumesnapshotcontent",
    kind: "VolumeSnapshotContent",
    namespaced: false,
    shortNames: ["vsc", "vscs"],
    subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
    columns: [
      NAME,
      col("ReadyToUse"),
      col("RestoreSize", "integer"),
      col("DeletionPolicy"),
      col("Driver"),
      col("VolumeSnapshotClass"),
      col("VolumeSnapshot"),
      col("VolumeSnapshotNamespace"),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      str(o, "status.readyToUse"),
      str(o, "status.restoreSize"),
      str(o, "spec.deletionPolicy"),
      str(o, "spec.driver"),
      str(o, "spec.volumeSnapshotClassName"),
      str(o, "spec.volumeSnapshotRef.name"),
      str(o, "spec.volumeSnapshotRef.namespace"),
      age(o, now),
    ],
    fields: meta(),
  },
];

/** Custom resources keep kind and apiVersion on list items, as the real server serves CRDs. */
export const isCustomGroup = (group: string): boolean => group === SNAPSHOT_GROUP || group === "api.cluedin.com";

/**
 * Top-level fields beside spec and status that some kinds carry (a snapshot class's driver, a storage class's
 * provisioner): the validator keeps them.
 */
export const TOP_LEVEL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  VolumeSnapshotClass: ["driver", "deletionPolicy", "parameters"],
  StorageClass: ["provisioner", "reclaimPolicy", "volumeBindingMode", "allowVolumeExpansion", "parameters"],
};

/** The `autoscaling/v1` Scale of a Deployment or StatefulSet, as its scale subresource answers. */
export function scaleObject(workload: KubeObject): KubeObject {
  const selector = dig(workload, "spec.selector.matchLabels") as Record<string, string> | undefined;
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: {
      name: workload.metadata.name,
      ...(workload.metadata.namespace ? { namespace: workload.metadata.namespace } : {}),
      ...(workload.metadata.uid ? { uid: workload.metadata.uid } : {}),
      ...(workload.metadata.resourceVersion ? { resourceVersion: workload.metadata.resourceVersion } : {}),
      ...(workload.metadata.creationTimestamp ? { creationTimestamp: workload.metadata.creationTimestamp } : {}),
    },
    spec: { replicas: Number(dig(workload, "spec.replicas") ?? 0) },
    status: {
      replicas: Number(dig(workload, "status.replicas") ?? 0),
      selector: Object.entries(selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    },
  };
}
