/**
 * Volume snapshots before an upgrade, as pure decisions: what each snapshot is called, which claims a snapshot set
 * covers, whether a run takes one, when a set is ready, which old sets retention deletes.
 *
 * Why: every CluedIn release page opens with "Before any upgrade takes place, ensure you have taken a snapshot or
 * backup of all your running PVCs ... databases may be upgraded during this process" (CluedIn.Documentation,
 * docs/190-paas-operations/upgrade/*), and the upgrade guide's plan says "perform a full backup: all persistent
 * disks". The objects are CSI's `snapshot.storage.k8s.io/v1` (kubernetes-csi/external-snapshotter,
 * client/config/crd/snapshot.storage.k8s.io_volumesnapshots.yaml): a VolumeSnapshot names its source claim and
 * class; it is usable once `status.readyToUse` is true with a bound VolumeSnapshotContent and a `restoreSize`.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { UpgradeMode } from "./model.js";

/** `required`: every run; `data-upgrade-only`: runs whose plan is a data upgrade (the issue's default); `off`. */
export const SNAPSHOT_MODES = ["required", "data-upgrade-only", "off"] as const;
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number];

/** The class created when the profile names none. */
export const DEFAULT_SNAPSHOT_CLASS = "cluedin-upgrade-vsc";
/** The Azure Disk CSI driver: AKS's managed-csi storage classes provision with it (AKS "Use the Azure Disk CSI driver"). */
export const AZURE_DISK_DRIVER = "disk.csi.azure.com";

export const LABELS = {
  run: "cluedin-upgrade.cluedin.com/run",
  cluster: "cluedin-upgrade.cluedin.com/cluster",
  managedBy: "app.kubernetes.io/managed-by",
} as const;
export const ANNOTATIONS = { runId: "cluedin-upgrade.cluedin.com/run-id", pvc: "cluedin-upgrade.cluedin.com/pvc" };
export const MANAGED_BY = "cluedin-upgrade";

/** The snapshot part of a run's policy, copied from the profile into the run's input (lib/workflow/policy.ts). */
export const SnapshotPolicySchema = z.object({
  mode: z.enum(SNAPSHOT_MODES),
  /** A VolumeSnapshotClass the cluster already has; absent: the run ensures DEFAULT_SNAPSHOT_CLASS. */
  className: z.string().max(253).optional(),
  deadlineMs: z.number().int().positive(),
  /** Snapshot sets kept per cluster; older ones are deleted at the end of a successful run. */
  retention: z.number().int().min(1),
  /** Claims the profile accepts going without a snapshot. */
  waivers: z.array(z.string().max(253)).max(100),
  /** Whether a snapshot stage that fails deletes the snapshots it made. */
  deleteOnFailure: z.boolean(),
});
export type SnapshotPolicy = z.infer<typeof SnapshotPolicySchema>;

export const snapshotsWanted = (policy: SnapshotPolicy | undefined, mode: UpgradeMode): boolean =>
  policy !== undefined &&
  (policy.mode === "required" || (policy.mode === "data-upgrade-only" && mode === "data-upgrade"));

const DNS_LABEL_MAX = 63;
const hash = (text: string, length: number): string =>
  createHash("sha256").update(text, "utf8").digest("hex").slice(0, length);
const dnsSafe = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");

/** The run's short id: the random part of `<cluster>-<stamp>-<hex>[-hopN]` (lib/workflow/runId.ts), else a hash. */
export function shortRunId(runId: string): string {
  const match = /-([0-9a-f]{6,})(?:-hop(\d+))?$/.exec(runId);
  if (!match?.[1]) return hash(runId, 8);
  return `${match[1].slice(0, 8)}${match[2] ? `h${match[2]}` : ""}`;
}

/**
 * `cu-<short run id>-<pvc>`: deterministic, so a retried create finds its own snapshot; a DNS-1123 label of at most
 * 63 characters (a long claim name is cut and a hash of the whole keeps names apart).
 */
export function snapshotName(runId: string, pvc: string): string {
  const prefix = `cu-${shortRunId(runId)}-`;
  const whole = `${prefix}${dnsSafe(pvc)}`;
  if (whole.length <= DNS_LABEL_MAX) return whole;
  const tail = `-${hash(pvc, 6)}`;
  return `${prefix}${dnsSafe(pvc)
    .slice(0, DNS_LABEL_MAX - prefix.length - tail.length)
    .replace(/-+$/, "")}${tail}`;
}

/** A label value (63 characters, alphanumeric ends) naming the run. */
export function runLabel(runId: string): string {
  const safe = dnsSafe(runId);
  return safe.length <= DNS_LABEL_MAX
    ? safe
    : `${safe.slice(0, DNS_LABEL_MAX - 9).replace(/-+$/, "")}-${hash(runId, 8)}`;
}

/** A claim of the namespace as the inventory reads it. */
export interface ClaimInfo {
  name: string;
  phase: string;
  storageClass?: string;
  /** The storage class's provisioner (CSI driver), when the class exists. */
  provisioner?: string;
  /** `spec.resources.requests.storage`, e.g. `100Gi`. */
  size?: string;
  volumeName?: string;
}

export interface SnapshotClassInfo {
  name: string;
  driver: string;
  deletionPolicy: string;
}

export interface VolumeInventory {
  claims: ClaimInfo[];
  classes: SnapshotClassInfo[];
}

export type ClaimCoverage =
  { pvc: string; covered: true; size?: string } | { pvc: string; covered: false; waived: boolean; reason: string };

export interface CoverageDecision {
  /** The class the run snapshots with, and its driver; `create` when the run must create it first. */
  className: string;
  driver: string;
  create: boolean;
  claims: ClaimCoverage[];
  /** Uncovered claims not waived by the profile: each blocks the run. */
  blockers: string[];
}

/**
 * Which claims one snapshot class can snapshot: a claim is covered when it is Bound and its storage class is
 * provisioned by the class's driver (a CSI snapshot is cut by the driver that owns the volume). A named class that
 * does not exist covers nothing; without a name the run uses (or creates) an Azure Disk class.
 */
export function decideCoverage(
  inventory: VolumeInventory,
  policy: Pick<SnapshotPolicy, "className" | "waivers">,
): CoverageDecision {
  const name = policy.className ?? DEFAULT_SNAPSHOT_CLASS;
  const existing = inventory.classes.find((c) => c.name === name);
  const missingNamed = policy.className !== undefined && !existing;
  const driver = existing?.driver ?? AZURE_DISK_DRIVER;
  const claims = inventory.claims.map((claim): ClaimCoverage => {
    let reason: string | undefined;
    if (missingNamed) reason = `the snapshot class ${name} does not exist`;
    else if (claim.phase !== "Bound") reason = `the claim is ${claim.phase}, not Bound`;
    else if (!claim.provisioner)
      reason = `its storage class ${claim.storageClass ?? "(none)"} is unknown, so no snapshot driver is known`;
    else if (claim.provisioner !== driver)
      reason = `its storage class ${claim.storageClass ?? ""} is provisioned by ${claim.provisioner}, not ${driver}`;
    if (reason === undefined) return { pvc: claim.name, covered: true, ...(claim.size ? { size: claim.size } : {}) };
    return { pvc: claim.name, covered: false, waived: policy.waivers.includes(claim.name), reason };
  });
  return {
    className: name,
    driver,
    create: !existing,
    claims,
    blockers: claims.flatMap((c) => (!c.covered && !c.waived ? [c.pvc] : [])),
  };
}

/** A snapshot of the set as observed: the status fields of the CRD and its content's handle. */
export interface SnapshotObservation {
  name: string;
  pvc: string;
  found: boolean;
  readyToUse: boolean;
  restoreSize?: string;
  content?: string;
  handle?: string;
  createdAt?: string;
  error?: string;
}

export interface SetVerdict {
  done: boolean;
  ok: boolean;
  summary: string;
}

/** Ready when every snapshot is readyToUse with a bound content and a restore size; an error ends the wait. */
export function evaluateSnapshotSet(seen: readonly SnapshotObservation[]): SetVerdict {
  const failed = seen.find((s) => s.error !== undefined || !s.found);
  if (failed)
    return {
      done: true,
      ok: false,
      summary: `snapshot ${failed.name} of ${failed.pvc} ${failed.found ? `failed: ${failed.error ?? ""}` : "is missing"}`,
    };
  const ready = seen.filter((s) => s.readyToUse && s.content !== undefined && s.restoreSize !== undefined);
  return {
    done: ready.length === seen.length,
    ok: ready.length === seen.length,
    summary: `${ready.length}/${seen.length} snapshots ready`,
  };
}

/** The workloads of the namespace as the quiesce step reads them. */
export interface WorkloadScale {
  kind: "Deployment" | "StatefulSet";
  name: string;
  replicas: number;
  /** Pods still running (any readiness). */
  pods?: number;
}

/** Deployments first (the application), then StatefulSets (the stores it writes to): the order to stop in. */
export function quiesceOrder(workloads: readonly WorkloadScale[]): WorkloadScale[] {
  return [...workloads].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "Deployment" ? -1 : 1));
}

/** Quiet when no pod of the scaled workloads runs any more: only then are the disks consistent together. */
export function evaluateQuiesced(workloads: readonly WorkloadScale[]): SetVerdict {
  const running = workloads.filter((w) => (w.pods ?? 0) > 0);
  return {
    done: running.length === 0,
    ok: running.length === 0,
    summary:
      running.length === 0
        ? `${workloads.length} workloads stopped`
        : `still running: ${running.map((w) => `${w.name} (${w.pods ?? 0})`).join(", ")}`,
  };
}

/** A restored claim as observed: Bound to a volume made from its snapshot. */
export interface ClaimRestoreObservation {
  pvc: string;
  phase: string;
  fromSnapshot?: string;
}

export function evaluateClaimsRestored(seen: readonly ClaimRestoreObservation[]): SetVerdict {
  const bound = seen.filter((c) => c.phase === "Bound" && c.fromSnapshot !== undefined);
  return {
    done: bound.length === seen.length,
    ok: bound.length === seen.length,
    summary: `${bound.length}/${seen.length} claims bound from their snapshots`,
  };
}

/** A snapshot set on the cluster: the snapshots one run made, by its run label. */
export interface SnapshotSetInfo {
  run: string;
  /** The full run id from the annotation, when present. */
  runId?: string;
  createdAt: string;
  names: string[];
}

/**
 * The sets retention deletes: all but the newest `keep` sets of the cluster, never the current run's and never a
 * set whose run has not finished (its restore may still be offered).
 */
export function setsToDelete(
  sets: readonly SnapshotSetInfo[],
  keep: number,
  isProtected: (set: SnapshotSetInfo) => boolean,
): SnapshotSetInfo[] {
  const newestFirst = [...sets].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.run.localeCompare(a.run));
  return newestFirst.slice(keep).filter((set) => !isProtected(set));
}

/** Groups labelled snapshots into sets by their run label. */
export function groupSets(
  snapshots: readonly { name: string; run: string; runId?: string; createdAt: string }[],
): SnapshotSetInfo[] {
  const byRun = new Map<string, SnapshotSetInfo>();
  for (const s of snapshots) {
    const set = byRun.get(s.run) ?? {
      run: s.run,
      ...(s.runId ? { runId: s.runId } : {}),
      createdAt: s.createdAt,
      names: [],
    };
    set.names.push(s.name);
    if (s.runId && !set.runId) set.runId = s.runId;
    if (s.createdAt < set.createdAt) set.createdAt = s.createdAt;
    byRun.set(s.run, set);
  }
  return [...byRun.values()];
}
