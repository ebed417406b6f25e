/**
 * The simulated storage of a CluedIn installation on AKS: one claim and Azure disk per persistent volume of the
 * chart, the storage and snapshot classes AKS ships, and the CSI snapshot controller and Azure Disk driver that turn
 * a VolumeSnapshot into a ready snapshot and a claim with a `dataSource` into a disk made from it.
 *
 * Each volume carries the version of the data on it: the DataUpgrade operator migrates it (world.ts calls
 * `migrate`), a snapshot records it when cut, and a claim restored from the snapshot gets it back, so a test can
 * prove a restore brings the old data back.
 */
import { rfc3339 } from "../core/format.js";
import { uidFor } from "../core/hash.js";
import { resourceKey } from "../kube/resources.js";
import { SNAPSHOT_GROUP, STORAGE_RESOURCES } from "../kube/snapshots.js";
import type { KubeStore } from "../kube/store.js";
import type { KubeObject } from "../kube/types.js";
import type { Faults } from "./faults.js";
import { WORKLOADS, type WorkloadDef } from "./workloads.js";

/** A claim of the installation and the workload that mounts it. */
export interface SimClaim {
  name: string;
  workload: string;
  size: string;
}

/**
 * The chart's claims (charts/<version>/cluedin-platform, templates and subcharts): elasticsearch's
 * volumeClaimTemplate named after its StatefulSet (30Gi), neo4j `data` (10Gi), rabbitmq `data` (8Gi), redis master
 * `redis-data` (4Gi), mssql-linux's four claims of 4Gi (pvc-data/-tranlog/-backup/-master.yaml), openrefine's data
 * (512Mi), and the application's cluedin-data-source (50Gi) and cluedin-init-data (500Mi). The platform chart's own
 * `platform.snapshots.snapshotResources` names only the first seven: it misses rabbitmq, redis, data-source and
 * init-data.
 */
const CLAIMS_BY_APP: Record<string, (def: WorkloadDef) => Omit<SimClaim, "workload">[]> = {
  elasticsearch: (d) => [{ name: `${d.name}-${d.name}-0`, size: "30Gi" }],
  neo4j: (d) => [{ name: `data-${d.name}-0`, size: "10Gi" }],
  rabbitmq: (d) => [{ name: `data-${d.name}-0`, size: "8Gi" }],
  redis: (d) => [{ name: `redis-data-${d.name}-0`, size: "4Gi" }],
  sqlserver: (d) =>
    ["data", "translog", "backup", "master"].map((part) => ({ name: `${d.name}-${part}`, size: "4Gi" })),
  openrefine: (d) => [{ name: `${d.name}-data`, size: "512Mi" }],
  datasource: () => [{ name: "cluedin-data-source", size: "50Gi" }],
  cluedin: (d) => (d.labels.role === "main" ? [{ name: "cluedin-init-data", size: "500Mi" }] : []),
};

/**
 * The simulator's claims, derived from its workloads: the one place that lists them, so a change of the
 * workloads' names (to match the real chart) flows through. A StatefulSet the table does not know gets the
 * volumeClaimTemplate convention `data-<statefulset>-0`.
 */
export function simClaims(workloads: readonly WorkloadDef[] = WORKLOADS): SimClaim[] {
  return workloads.flatMap((def) => {
    const make = CLAIMS_BY_APP[def.labels.app ?? ""];
    const claims = make ? make(def) : def.kind === "StatefulSet" ? [{ name: `data-${def.name}-0`, size: "8Gi" }] : [];
    return claims.map((c) => ({ ...c, workload: def.name }));
  });
}

/**
 * How long a snapshot takes to become ready, before time scaling: Azure copies an incremental snapshot in the
 * background and the driver reports readyToUse once the copy completes (azuredisk-csi-driver), tens of seconds for
 * small disks, longer for larger ones.
 */
const SNAPSHOT_READY_MS = 40_000;
const SNAPSHOT_READY_PER_GIB_MS = 1_000;
const SNAPSHOT_ERROR_MS = 15_000;
/** A disk created from a snapshot, attached and bound. */
const RESTORE_BIND_MS = 20_000;

/**
 * External-snapshotter reports a driver failure in `status.error.message` as "Failed to check and update snapshot
 * content: ..."; Azure refuses a quota overrun with OperationNotAllowed "Operation could not be completed as it
 * results in exceeding approved ... quota" (the wording of Azure's quota errors, e.g. microsoft/onefuzz#614).
 */
const FAULT_MESSAGES = {
  error: (handle: string) =>
    `Failed to check and update snapshot content: failed to take snapshot of the volume ${handle}: "rpc error: code = Internal desc = create snapshot error: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 500, RawError: {\\"error\\":{\\"code\\":\\"InternalServerError\\",\\"message\\":\\"An unexpected error occurred while processing the snapshot request.\\"}}"`,
  quota: (handle: string) =>
    `Failed to check and update snapshot content: failed to take snapshot of the volume ${handle}: "rpc error: code = Internal desc = create snapshot error: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 409, RawError: {\\"error\\":{\\"code\\":\\"OperationNotAllowed\\",\\"message\\":\\"Operation could not be completed as it results in exceeding approved Total Snapshots quota. Additional details - Location: westeurope, Current Limit: 2000, Current Usage: 2000, Additional Required: 1\\"}}"`,
} as const;

export interface VolumeHost {
  now(): number;
  schedule(at: number, fn: (at: number) => void): () => void;
  scale: number;
  namespace: string;
  subscriptionId: string;
  /** The node resource group (MC_...) where AKS keeps the cluster's disks and snapshots. */
  nodeResourceGroup: string;
  store: KubeStore;
  /** Whether a pod of the workload is still running (a snapshot then is not crash-consistent with the others). */
  workloadRunning(workload: string): boolean;
  takeFault<K extends "snapshots" | "restore">(key: K): Faults[K];
}

export interface VolumeState {
  pvc: string;
  pv?: string;
  phase: string;
  dataVersion?: string;
  fromSnapshot?: string;
}

export interface SnapshotState {
  name: string;
  pvc: string;
  readyToUse: boolean;
  content?: string;
  dataVersion?: string;
  /** No pod of the claim's workload ran when it was cut. */
  quiesced?: boolean;
  error?: string;
}

const key = (plural: string): string => {
  const def = STORAGE_RESOURCES.find((r) => r.plural === plural);
  if (!def) throw new Error(`no storage resource ${plural}`);
  return resourceKey(def);
};
const CLAIMS = key("persistentvolumeclaims");
const VOLUMES = key("persistentvolumes");
const STORAGE_CLASSES = key("storageclasses");
const SNAPSHOT_CLASSES = key("volumesnapshotclasses");
const SNAPSHOTS = key("volumesnapshots");
const CONTENTS = key("volumesnapshotcontents");

const DATA_VERSION = "sim.cluedin.io/data-version";
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const dig = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, k) => (isRecord(node) ? node[k] : undefined), value);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** `30Gi` -> bytes (binary suffixes, as the chart writes them). */
function bytes(size: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(size);
  const power = { Ki: 1, Mi: 2, Gi: 3, Ti: 4 }[match?.[2] ?? ""] ?? 0;
  return Number(match?.[1] ?? 0) * 1024 ** power;
}

export class VolumeModel {
  private readonly claims: SimClaim[];
  /** What each cut snapshot holds, by content name. */
  private readonly cuts = new Map<string, { dataVersion: string; quiesced: boolean; size: string }>();
  private readonly pending = new Map<string, () => void>();

  constructor(
    private readonly host: VolumeHost,
    createdAt: number,
    initialDataVersion: string,
    workloads: readonly WorkloadDef[] = WORKLOADS,
  ) {
    this.claims = simClaims(workloads);
    const at = rfc3339(createdAt);
    // AKS's built-in classes ("Use the Azure Disk CSI driver in AKS"): `default` and `managed-csi` are Azure Disk,
    // `azurefile-csi` Azure Files; csi-azuredisk-vsc is the azuredisk-csi-driver example snapshot class.
    for (const [name, provisioner] of [
      ["default", "disk.csi.azure.com"],
      ["managed-csi", "disk.csi.azure.com"],
      ["managed-csi-premium", "disk.csi.azure.com"],
      ["azurefile-csi", "file.csi.azure.com"],
    ] as const)
      host.store.put(STORAGE_CLASSES, {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name, uid: uidFor(`sc/${name}`), creationTimestamp: at },
        provisioner,
        reclaimPolicy: "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      });
    host.store.put(SNAPSHOT_CLASSES, {
      apiVersion: `${SNAPSHOT_GROUP}/v1`,
      kind: "VolumeSnapshotClass",
      metadata: { name: "csi-azuredisk-vsc", uid: uidFor("vsc/csi-azuredisk-vsc"), creationTimestamp: at },
      driver: "disk.csi.azure.com",
      deletionPolicy: "Delete",
      parameters: { incremental: "true" },
    });
    for (const claim of this.claims) {
      const object: KubeObject = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: claim.name,
          namespace: host.namespace,
          uid: uidFor(`pvc/${claim.name}/${createdAt}`),
          creationTimestamp: at,
          labels: { "app.kubernetes.io/instance": "cluedin-platform" },
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: claim.size } },
          storageClassName: "default",
        },
      };
      host.store.put(CLAIMS, object);
      this.bind(object, initialDataVersion, undefined, createdAt);
    }
  }

  /** The installation's claims (names, sizes, workloads). */
  list(): readonly SimClaim[] {
    return this.claims;
  }

  created(plural: string, object: KubeObject): void {
    if (plural === "volumesnapshots") this.snapshotCreated(object);
    if (plural === "persistentvolumeclaims") this.claimCreated(object);
  }

  deleted(plural: string, object: KubeObject): void {
    if (plural === "volumesnapshots") this.snapshotDeleted(object);
    if (plural === "persistentvolumeclaims") this.claimDeleted(object);
  }

  /** A data upgrade rewrote the data of every bound volume. */
  migrate(toVersion: string): void {
    for (const claim of this.host.store.list(CLAIMS, this.host.namespace)) {
      const pv = text(dig(claim, "spec", "volumeName"));
      const volume = pv ? this.host.store.get(VOLUMES, undefined, pv) : undefined;
      if (!volume) continue;
      this.host.store.put(VOLUMES, {
        ...volume,
        metadata: { ...volume.metadata, annotations: { ...volume.metadata.annotations, [DATA_VERSION]: toVersion } },
      });
    }
  }

  volumes(): VolumeState[] {
    return this.host.store.list(CLAIMS, this.host.namespace).map((claim) => {
      const pv = text(dig(claim, "spec", "volumeName"));
      const volume = pv ? this.host.store.get(VOLUMES, undefined, pv) : undefined;
      const dataVersion = volume?.metadata.annotations?.[DATA_VERSION];
      const fromSnapshot = text(dig(claim, "spec", "dataSource", "name"));
      return {
        pvc: claim.metadata.name,
        ...(pv ? { pv } : {}),
        phase: text(dig(claim, "status", "phase")) ?? "Pending",
        ...(dataVersion ? { dataVersion } : {}),
        ...(fromSnapshot ? { fromSnapshot } : {}),
      };
    });
  }

  snapshots(): SnapshotState[] {
    return this.host.store.list(SNAPSHOTS, this.host.namespace).map((s) => {
      const content = text(dig(s, "status", "boundVolumeSnapshotContentName"));
      const cut = content ? this.cuts.get(content) : undefined;
      const error = text(dig(s, "status", "error", "message"));
      return {
        name: s.metadata.name,
        pvc: text(dig(s, "spec", "source", "persistentVolumeClaimName")) ?? "",
        readyToUse: dig(s, "status", "readyToUse") === true,
        ...(content ? { content } : {}),
        ...(cut ? { dataVersion: cut.dataVersion, quiesced: cut.quiesced } : {}),
        ...(error ? { error } : {}),
      };
    });
  }

  private diskId(name: string): string {
    return `/subscriptions/${this.host.subscriptionId}/resourceGroups/${this.host.nodeResourceGroup}/providers/Microsoft.Compute/${name}`;
  }

  /** Provisions a disk for the claim and binds them (reclaim policy Delete, as AKS's classes set it). */
  private bind(claim: KubeObject, dataVersion: string, fromSnapshot: string | undefined, at: number): void {
    const pvName = `pvc-${claim.metadata.uid ?? uidFor(claim.metadata.name)}`;
    const size = text(dig(claim, "spec", "resources", "requests", "storage")) ?? "1Gi";
    const storageClassName = text(dig(claim, "spec", "storageClassName")) ?? "default";
    this.host.store.put(VOLUMES, {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name: pvName,
        uid: uidFor(`pv/${pvName}`),
        creationTimestamp: rfc3339(at),
        annotations: {
          "pv.kubernetes.io/provisioned-by": "disk.csi.azure.com",
          [DATA_VERSION]: dataVersion,
          ...(fromSnapshot ? { "sim.cluedin.io/restored-from": fromSnapshot } : {}),
        },
      },
      spec: {
        accessModes: ["ReadWriteOnce"],
        capacity: { storage: size },
        claimRef: {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          name: claim.metadata.name,
          namespace: claim.metadata.namespace,
          uid: claim.metadata.uid,
        },
        csi: { driver: "disk.csi.azure.com", volumeHandle: this.diskId(`disks/${pvName}`), fsType: "ext4" },
        persistentVolumeReclaimPolicy: "Delete",
        storageClassName,
        volumeMode: "Filesystem",
      },
      status: { phase: "Bound" },
    });
    const current = this.host.store.get(CLAIMS, claim.metadata.namespace, claim.metadata.name) ?? claim;
    this.host.store.put(CLAIMS, {
      ...current,
      spec: { ...(current.spec as object), volumeName: pvName },
      status: { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: size } },
    });
  }

  private claimCreated(claim: KubeObject): void {
    const source = dig(claim, "spec", "dataSource");
    const snapshotName = dig(source, "kind") === "VolumeSnapshot" ? text(dig(source, "name")) : undefined;
    this.host.store.put(CLAIMS, { ...claim, status: { phase: "Pending" } });
    const fault = snapshotName ? this.host.takeFault("restore") : null;
    if (fault) return;
    const at = this.host.now() + RESTORE_BIND_MS * this.host.scale;
    const id = `${claim.metadata.namespace ?? ""}/${claim.metadata.name}`;
    this.pending.get(id)?.();
    const cancel = this.host.schedule(at, (when) => {
      this.pending.delete(id);
      const live = this.host.store.get(CLAIMS, claim.metadata.namespace, claim.metadata.name);
      if (!live || live.metadata.uid !== claim.metadata.uid) return;
      if (!snapshotName) return this.bind(live, "empty", undefined, when);
      const snapshot = this.host.store.get(SNAPSHOTS, claim.metadata.namespace, snapshotName);
      const content = text(dig(snapshot, "status", "boundVolumeSnapshotContentName"));
      const cut = content ? this.cuts.get(content) : undefined;
      // A snapshot that is missing or not ready cannot be restored: the claim stays Pending, as the provisioner
      // retries.
      if (dig(snapshot, "status", "readyToUse") !== true || !cut) return;
      this.bind(live, cut.dataVersion, snapshotName, when);
    });
    this.pending.set(id, cancel);
  }

  private claimDeleted(claim: KubeObject): void {
    const pv = text(dig(claim, "spec", "volumeName"));
    const volume = pv ? this.host.store.get(VOLUMES, undefined, pv) : undefined;
    if (!volume || !pv) return;
    if (dig(volume, "spec", "persistentVolumeReclaimPolicy") === "Retain")
      this.host.store.put(VOLUMES, { ...volume, status: { phase: "Released" } });
    else this.host.store.remove(VOLUMES, undefined, pv);
  }

  private setStatus(
    plural: "volumesnapshots" | "volumesnapshotcontents",
    namespace: string | undefined,
    name: string,
    status: Record<string, unknown>,
  ): void {
    const resource = plural === "volumesnapshots" ? SNAPSHOTS : CONTENTS;
    const live = this.host.store.get(resource, namespace, name);
    if (live)
      this.host.store.put(resource, { ...live, status: { ...(isRecord(live.status) ? live.status : {}), ...status } });
  }

  private snapshotCreated(snapshot: KubeObject): void {
    const namespace = snapshot.metadata.namespace;
    const name = snapshot.metadata.name;
    const at = this.host.now();
    const pvc = text(dig(snapshot, "spec", "source", "persistentVolumeClaimName")) ?? "";
    const className = text(dig(snapshot, "spec", "volumeSnapshotClassName")) ?? "";
    const claim = this.host.store.get(CLAIMS, namespace, pvc);
    const snapshotClass = this.host.store.get(SNAPSHOT_CLASSES, undefined, className);
    const pv = text(dig(claim, "spec", "volumeName"));
    const volume = pv ? this.host.store.get(VOLUMES, undefined, pv) : undefined;
    if (!claim || !snapshotClass || !volume) {
      const missing = !claim
        ? `persistentvolumeclaims "${pvc}" not found`
        : !snapshotClass
          ? `volumesnapshotclasses "${className}" not found`
          : `the claim ${pvc} is not bound`;
      this.setStatus("volumesnapshots", namespace, name, {
        readyToUse: false,
        error: { message: `Failed to create snapshot content with error: ${missing}`, time: rfc3339(at) },
      });
      return;
    }
    const uid = snapshot.metadata.uid ?? uidFor(name);
    const contentName = `snapcontent-${uid}`;
    const handle = this.diskId(`snapshots/snapshot-${uid}`);
    const volumeHandle = text(dig(volume, "spec", "csi", "volumeHandle")) ?? "";
    const deletionPolicy = text(dig(snapshotClass, "deletionPolicy")) ?? "Delete";
    const size = text(dig(claim, "status", "capacity", "storage")) ?? "1Gi";
    this.host.store.put(CONTENTS, {
      apiVersion: `${SNAPSHOT_GROUP}/v1`,
      kind: "VolumeSnapshotContent",
      metadata: { name: contentName, uid: uidFor(contentName), creationTimestamp: rfc3339(at) },
      spec: {
        deletionPolicy,
        driver: text(dig(snapshotClass, "driver")) ?? "disk.csi.azure.com",
        source: { volumeHandle },
        volumeSnapshotClassName: className,
        volumeSnapshotRef: { apiVersion: `${SNAPSHOT_GROUP}/v1`, kind: "VolumeSnapshot", name, namespace, uid },
      },
      status: { readyToUse: false },
    });
    const workload = this.claims.find((c) => c.name === pvc)?.workload;
    this.cuts.set(contentName, {
      dataVersion: volume.metadata.annotations?.[DATA_VERSION] ?? "unknown",
      quiesced: workload === undefined || !this.host.workloadRunning(workload),
      size,
    });
    this.setStatus("volumesnapshots", namespace, name, {
      boundVolumeSnapshotContentName: contentName,
      creationTime: rfc3339(at),
      readyToUse: false,
    });
    const fault = this.host.takeFault("snapshots");
    if (fault?.mode === "never") return;
    if (fault) {
      const message = (fault.mode === "quota" ? FAULT_MESSAGES.quota : FAULT_MESSAGES.error)(volumeHandle);
      this.host.schedule(at + SNAPSHOT_ERROR_MS * this.host.scale, (when) => {
        const error = { message, time: rfc3339(when) };
        this.setStatus("volumesnapshotcontents", undefined, contentName, { readyToUse: false, error });
        this.setStatus("volumesnapshots", namespace, name, { readyToUse: false, error });
      });
      return;
    }
    const readyAt = at + (SNAPSHOT_READY_MS + (bytes(size) / 1024 ** 3) * SNAPSHOT_READY_PER_GIB_MS) * this.host.scale;
    this.host.schedule(readyAt, () => {
      this.setStatus("volumesnapshotcontents", undefined, contentName, {
        creationTime: at * 1_000_000,
        readyToUse: true,
        restoreSize: bytes(size),
        snapshotHandle: handle,
      });
      this.setStatus("volumesnapshots", namespace, name, { readyToUse: true, restoreSize: size });
    });
  }

  /** The content goes with its snapshot when its deletionPolicy is Delete; Retain keeps it (and the Azure snapshot). */
  private snapshotDeleted(snapshot: KubeObject): void {
    const content = text(dig(snapshot, "status", "boundVolumeSnapshotContentName"));
    const object = content ? this.host.store.get(CONTENTS, undefined, content) : undefined;
    if (!object || !content) return;
    if (dig(object, "spec", "deletionPolicy") === "Delete") {
      this.host.store.remove(CONTENTS, undefined, content);
      this.cuts.delete(content);
    }
  }
}
