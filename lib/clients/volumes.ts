/**
 * Volumes of the CluedIn namespace through `@kubernetes/client-node`: claims and their storage classes, CSI volume
 * snapshots (`snapshot.storage.k8s.io/v1`, kubernetes-csi/external-snapshotter client/config/crd), workload scale,
 * and restoring a claim from a snapshot by recreating it with a `dataSource` (Kubernetes "Volume Snapshots":
 * "Provisioning Volumes from Snapshots"; the new claim must be in the snapshot's namespace and request at least
 * its `restoreSize`). Failed calls throw a ClusterApiError naming the operation.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  StorageV1Api,
  type KubeConfig,
  type V1LabelSelector,
  type V1PersistentVolumeClaim,
  type V1Pod,
} from "@kubernetes/client-node";
import {
  ANNOTATIONS,
  AZURE_DISK_DRIVER,
  LABELS,
  MANAGED_BY,
  type ClaimInfo,
  type ClaimRestoreObservation,
  type SnapshotClassInfo,
  type SnapshotObservation,
  type VolumeInventory,
  type WorkloadScale,
} from "../workflow/snapshots.js";
import { guarded, statusOf, toClusterApiError } from "./errors.js";
import { kubeApiConfiguration } from "./kube-configuration.js";

const SNAPSHOTS = { group: "snapshot.storage.k8s.io", version: "v1" } as const;

export interface VolumeClientOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  requestTimeoutMs?: number;
}

export interface SnapshotRequest {
  name: string;
  pvc: string;
}

export interface SnapshotLabels {
  run: string;
  runId: string;
  cluster: string;
}

export interface LabelledSnapshot {
  name: string;
  pvc: string;
  run: string;
  runId?: string;
  createdAt: string;
  readyToUse: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), value);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** `restoreSize` is a quantity on a VolumeSnapshot (`10Gi`) and bytes on a content; both shown as text. */
const quantity = (value: unknown): string | undefined => (typeof value === "number" ? String(value) : text(value));

const matches = (selector: V1LabelSelector | undefined, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) &&
  Object.keys(selector?.matchLabels ?? {}).length > 0;

export class VolumeClient {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly storage: StorageV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly namespace: string;

  constructor(options: VolumeClientOptions) {
    const configuration = kubeApiConfiguration(options.kubeConfig, options.requestTimeoutMs);
    this.core = new CoreV1Api(configuration);
    this.apps = new AppsV1Api(configuration);
    this.storage = new StorageV1Api(configuration);
    this.custom = new CustomObjectsApi(configuration);
    this.namespace = options.namespace;
  }

  /** Every claim of the namespace with its storage class's provisioner, and the cluster's snapshot classes. */
  async inventory(): Promise<VolumeInventory> {
    const [claims, storageClasses, snapshotClasses] = await Promise.all([
      guarded("list persistent volume claims", () =>
        this.core.listNamespacedPersistentVolumeClaim({ namespace: this.namespace }),
      ),
      guarded("list storage classes", () => this.storage.listStorageClass()),
      guarded(
        "list volume snapshot classes",
        () =>
          this.custom.listClusterCustomObject({ ...SNAPSHOTS, plural: "volumesnapshotclasses" }) as Promise<unknown>,
      ),
    ]);
    const provisioners = new Map(storageClasses.items.map((c) => [c.metadata?.name ?? "", c.provisioner]));
    const classes: SnapshotClassInfo[] = ((field(snapshotClasses, "items") as unknown[] | undefined) ?? []).map(
      (c) => ({
        name: text(field(c, "metadata", "name")) ?? "",
        driver: text(field(c, "driver")) ?? "",
        deletionPolicy: text(field(c, "deletionPolicy")) ?? "",
      }),
    );
    return {
      claims: claims.items.map((claim): ClaimInfo => {
        const storageClass = claim.spec?.storageClassName;
        const provisioner = storageClass ? provisioners.get(storageClass) : undefined;
        const size = claim.spec?.resources?.requests?.storage;
        return {
          name: claim.metadata?.name ?? "",
          phase: claim.status?.phase ?? "Unknown",
          ...(storageClass ? { storageClass } : {}),
          ...(provisioner ? { provisioner } : {}),
          ...(size ? { size: String(size) } : {}),
          ...(claim.spec?.volumeName ? { volumeName: claim.spec.volumeName } : {}),
        };
      }),
      classes,
    };
  }

  /**
   * Creates the class when absent: Azure Disk, incremental (only changed blocks are stored and billed; AKS "Azure
   * Disk CSI driver" volume snapshot example), deletionPolicy Delete so that deleting a set through retention also
   * deletes its Azure snapshots; an operator who wants them kept past retention names a Retain class instead.
   */
  async ensureSnapshotClass(name: string): Promise<{ created: boolean; class: SnapshotClassInfo }> {
    const operation = `create volume snapshot class ${name}`;
    try {
      const existing: unknown = await this.custom.getClusterCustomObject({
        ...SNAPSHOTS,
        plural: "volumesnapshotclasses",
        name,
      });
      return {
        created: false,
        class: {
          name,
          driver: text(field(existing, "driver")) ?? "",
          deletionPolicy: text(field(existing, "deletionPolicy")) ?? "",
        },
      };
    } catch (error) {
      if (statusOf(error) !== 404) throw toClusterApiError(operation, error);
    }
    const body = {
      apiVersion: `${SNAPSHOTS.group}/${SNAPSHOTS.version}`,
      kind: "VolumeSnapshotClass",
      metadata: { name, labels: { [LABELS.managedBy]: MANAGED_BY } },
      driver: AZURE_DISK_DRIVER,
      deletionPolicy: "Delete",
      parameters: { incremental: "true" },
    };
    try {
      await this.custom.createClusterCustomObject({ ...SNAPSHOTS, plural: "volumesnapshotclasses", body });
    } catch (error) {
      if (statusOf(error) !== 409) throw toClusterApiError(operation, error);
    }
    return { created: true, class: { name, driver: AZURE_DISK_DRIVER, deletionPolicy: "Delete" } };
  }

  /** Deployments and StatefulSets of the namespace with their replicas and how many pods each still runs. */
  async workloads(): Promise<WorkloadScale[]> {
    const [deployments, statefulSets, pods] = await Promise.all([
      guarded("list deployments", () => this.apps.listNamespacedDeployment({ namespace: this.namespace })),
      guarded("list statefulsets", () => this.apps.listNamespacedStatefulSet({ namespace: this.namespace })),
      guarded("list pods", () => this.core.listNamespacedPod({ namespace: this.namespace })),
    ]);
    const running = (selector: V1LabelSelector | undefined): number =>
      pods.items.filter((p: V1Pod) => p.status?.phase !== "Succeeded" && matches(selector, p.metadata?.labels)).length;
    return [
      ...deployments.items.map((d) => ({
        kind: "Deployment" as const,
        name: d.metadata?.name ?? "",
        replicas: d.spec?.replicas ?? 1,
        pods: running(d.spec?.selector),
      })),
      ...statefulSets.items.map((s) => ({
        kind: "StatefulSet" as const,
        name: s.metadata?.name ?? "",
        replicas: s.spec?.replicas ?? 1,
        pods: running(s.spec?.selector),
      })),
    ];
  }

  /** Sets a workload's replicas through its scale subresource (read, then replace: no patch content types). */
  async scale(kind: WorkloadScale["kind"], name: string, replicas: number): Promise<void> {
    const operation = `scale ${kind} ${name} to ${replicas}`;
    const args = { name, namespace: this.namespace };
    await guarded(operation, async () => {
      const current =
        kind === "Deployment"
          ? await this.apps.readNamespacedDeploymentScale(args)
          : await this.apps.readNamespacedStatefulSetScale(args);
      if (current.spec?.replicas === replicas) return;
      const body = { ...current, spec: { ...current.spec, replicas } };
      if (kind === "Deployment") await this.apps.replaceNamespacedDeploymentScale({ ...args, body });
      else await this.apps.replaceNamespacedStatefulSetScale({ ...args, body });
    });
  }

  /** Creates each snapshot; one that already exists for the same claim counts as made (a retried start). */
  async createSnapshots(
    requests: readonly SnapshotRequest[],
    className: string,
    labels: SnapshotLabels,
  ): Promise<{ name: string; created: boolean }[]> {
    const made: { name: string; created: boolean }[] = [];
    for (const request of requests) {
      const body = {
        apiVersion: `${SNAPSHOTS.group}/${SNAPSHOTS.version}`,
        kind: "VolumeSnapshot",
        metadata: {
          name: request.name,
          namespace: this.namespace,
          labels: { [LABELS.run]: labels.run, [LABELS.cluster]: labels.cluster, [LABELS.managedBy]: MANAGED_BY },
          annotations: { [ANNOTATIONS.runId]: labels.runId, [ANNOTATIONS.pvc]: request.pvc },
        },
        spec: { volumeSnapshotClassName: className, source: { persistentVolumeClaimName: request.pvc } },
      };
      const operation = `create volume snapshot ${request.name}`;
      try {
        await this.custom.createNamespacedCustomObject({
          ...SNAPSHOTS,
          plural: "volumesnapshots",
          namespace: this.namespace,
          body,
        });
        made.push({ name: request.name, created: true });
      } catch (error) {
        if (statusOf(error) !== 409) throw toClusterApiError(operation, error);
        const existing = await this.readSnapshot(request.name);
        if (text(field(existing, "spec", "source", "persistentVolumeClaimName")) !== request.pvc)
          throw toClusterApiError(operation, new Error(`${request.name} exists for another claim`));
        made.push({ name: request.name, created: false });
      }
    }
    return made;
  }

  /** Each snapshot's status and its content's snapshot handle. */
  async observeSnapshots(names: readonly string[]): Promise<SnapshotObservation[]> {
    return Promise.all(
      names.map(async (name): Promise<SnapshotObservation> => {
        const object = await this.readSnapshot(name);
        const pvc = text(field(object, "spec", "source", "persistentVolumeClaimName")) ?? "";
        if (!object) return { name, pvc, found: false, readyToUse: false };
        const content = text(field(object, "status", "boundVolumeSnapshotContentName"));
        const handle = content ? await this.contentHandle(content) : undefined;
        const restoreSize = quantity(field(object, "status", "restoreSize"));
        const createdAt = text(field(object, "status", "creationTime"));
        const error = text(field(object, "status", "error", "message"));
        return {
          name,
          pvc,
          found: true,
          readyToUse: field(object, "status", "readyToUse") === true,
          ...(restoreSize ? { restoreSize } : {}),
          ...(content ? { content } : {}),
          ...(handle ? { handle } : {}),
          ...(createdAt ? { createdAt } : {}),
          ...(error ? { error } : {}),
        };
      }),
    );
  }

  /** Deletes snapshots; the contents follow their class's deletionPolicy. Returns the names that existed. */
  async deleteSnapshots(names: readonly string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const name of names) {
      try {
        await this.custom.deleteNamespacedCustomObject({
          ...SNAPSHOTS,
          plural: "volumesnapshots",
          namespace: this.namespace,
          name,
        });
        deleted.push(name);
      } catch (error) {
        if (statusOf(error) !== 404) throw toClusterApiError(`delete volume snapshot ${name}`, error);
      }
    }
    return deleted;
  }

  /** Every snapshot this tool made in the namespace (by its managed-by label), for one cluster profile. */
  async labelledSnapshots(cluster: string): Promise<LabelledSnapshot[]> {
    const list: unknown = await guarded("list volume snapshots", () =>
      this.custom.listNamespacedCustomObject({
        ...SNAPSHOTS,
        plural: "volumesnapshots",
        namespace: this.namespace,
        labelSelector: `${LABELS.managedBy}=${MANAGED_BY},${LABELS.cluster}=${cluster}`,
      }),
    );
    return ((field(list, "items") as unknown[] | undefined) ?? []).map((item) => {
      const runId = text(field(item, "metadata", "annotations", ANNOTATIONS.runId));
      return {
        name: text(field(item, "metadata", "name")) ?? "",
        pvc: text(field(item, "spec", "source", "persistentVolumeClaimName")) ?? "",
        run: text(field(item, "metadata", "labels", LABELS.run)) ?? "",
        ...(runId ? { runId } : {}),
        createdAt: text(field(item, "metadata", "creationTimestamp")) ?? "",
        readyToUse: field(item, "status", "readyToUse") === true,
      };
    });
  }

  /**
   * Puts a claim back from its snapshot: the old volume's reclaim policy becomes Retain (so deleting the claim
   * keeps the disk), the claim is deleted and created again with the same name, class and labels and a
   * `dataSource` naming the snapshot, requesting at least the snapshot's restore size. A claim that already names
   * the snapshot is left alone, so a retried restore does not delete what it made.
   */
  async restoreClaim(pvc: string, snapshot: string, restoreSize: string | undefined): Promise<{ retained?: string }> {
    const old = await this.readClaim(pvc);
    if (old?.spec?.dataSource?.name === snapshot && old.spec.dataSource.kind === "VolumeSnapshot") return {};
    let retained: string | undefined;
    if (old) {
      const volume = old.spec?.volumeName;
      if (volume) {
        await guarded(`retain persistent volume ${volume}`, async () => {
          const pv = await this.core.readPersistentVolume({ name: volume });
          if (pv.spec?.persistentVolumeReclaimPolicy === "Retain") return;
          await this.core.replacePersistentVolume({
            name: volume,
            body: { ...pv, spec: { ...pv.spec, persistentVolumeReclaimPolicy: "Retain" } },
          });
        });
        retained = volume;
      }
      await guarded(`delete persistent volume claim ${pvc}`, () =>
        this.core.deleteNamespacedPersistentVolumeClaim({ name: pvc, namespace: this.namespace }),
      );
    }
    const requested = old?.spec?.resources?.requests?.storage;
    const body: V1PersistentVolumeClaim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: pvc,
        namespace: this.namespace,
        ...(old?.metadata?.labels ? { labels: old.metadata.labels } : {}),
      },
      spec: {
        accessModes: old?.spec?.accessModes ?? ["ReadWriteOnce"],
        ...(old?.spec?.storageClassName ? { storageClassName: old.spec.storageClassName } : {}),
        resources: { requests: { storage: String(requested ?? restoreSize ?? "1Gi") } },
        dataSource: { apiGroup: SNAPSHOTS.group, kind: "VolumeSnapshot", name: snapshot },
      },
    };
    // A claim still terminating (pvc-protection finalizer) answers 409: transient, the orchestration retries.
    await guarded(`create persistent volume claim ${pvc} from ${snapshot}`, () =>
      this.core.createNamespacedPersistentVolumeClaim({ namespace: this.namespace, body }),
    );
    return retained ? { retained } : {};
  }

  async observeClaims(pvcs: readonly string[]): Promise<ClaimRestoreObservation[]> {
    return Promise.all(
      pvcs.map(async (pvc) => {
        const claim = await this.readClaim(pvc);
        const source = claim?.spec?.dataSource;
        return {
          pvc,
          phase: claim?.status?.phase ?? "Missing",
          ...(source?.kind === "VolumeSnapshot" ? { fromSnapshot: source.name } : {}),
        };
      }),
    );
  }

  private async readClaim(name: string): Promise<V1PersistentVolumeClaim | undefined> {
    try {
      return await this.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toClusterApiError(`read persistent volume claim ${name}`, error);
    }
  }

  private async readSnapshot(name: string): Promise<unknown> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        ...SNAPSHOTS,
        plural: "volumesnapshots",
        namespace: this.namespace,
        name,
      })) as unknown;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toClusterApiError(`read volume snapshot ${name}`, error);
    }
  }

  private async contentHandle(name: string): Promise<string | undefined> {
    try {
      const content: unknown = await this.custom.getClusterCustomObject({
        ...SNAPSHOTS,
        plural: "volumesnapshotcontents",
        name,
      });
      return text(field(content, "status", "snapshotHandle"));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toClusterApiError(`read volume snapshot content ${name}`, error);
    }
  }
}
