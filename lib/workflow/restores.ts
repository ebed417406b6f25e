/**
 * The stand-alone restore of a past run's snapshot set, as pure decisions: whether a run's record holds a set that
 * can be restored, what the restore puts back (the claims, the workloads and the Helm revision before the run),
 * whether the cluster still has the set, whether the release has moved on since, and what the approvers are asked.
 * The restore itself is the one a failed run offers (orchestrators/upgrade/restore.ts).
 */
import { z } from "zod";
import type { HelmRevision } from "../clients/types.js";
import { UpgradeInputSchema } from "./contracts.js";
import type { SnapshotEvidence } from "./evidence.js";
import { clip } from "./model.js";
import type { SnapshotObservation } from "./snapshots.js";

const k8sName = z.string().min(1).max(253);

/** What a restore puts back, read from the original run's record by the start route and fixed in the input. */
export const RestoreSourceSchema = z.object({
  /** The run that took the set. */
  runId: z.string().min(1).max(200),
  cluster: z.string().min(1).max(63),
  /** The release, chart and Helm revision the cluster was on before that run. */
  fromRelease: z.string().max(40),
  fromChart: z.string().max(40),
  toRevision: z.number().int().positive(),
  /** The newest revision that run itself left; later ones were made by someone else. */
  lastRevision: z.number().int().positive().optional(),
  className: z.string().max(253),
  set: z
    .array(
      z.object({
        name: k8sName,
        pvc: k8sName,
        restoreSize: z.string().max(40).optional(),
        readyAt: z.string().max(40),
      }),
    )
    .min(1)
    .max(100),
  /** The workloads that run stopped for the snapshots, with their replicas: what is started after the restore. */
  workloads: z
    .array(z.object({ kind: z.enum(["Deployment", "StatefulSet"]), name: k8sName, replicas: z.number().int().min(0) }))
    .max(100),
});
export type RestoreSource = z.infer<typeof RestoreSourceSchema>;

/** A restore's input: the run shape every stage knows (its policy, requester, record), plus what to restore and why. */
export const RestoreInputSchema = UpgradeInputSchema.extend({
  restore: z.object({ reason: z.string().min(1).max(2000), source: RestoreSourceSchema }),
});
export type RestoreInput = z.infer<typeof RestoreInputSchema>;

/** The parts of a run's audit record (lib/audit/record.ts) a restore is judged from. */
export interface RestorableRun {
  runId: string;
  cluster: string;
  fromRelease?: string | undefined;
  plan?: { fromChart: string } | undefined;
  helm: { revisionBefore?: number | undefined; revisionAfter?: number | undefined };
  snapshots?: SnapshotEvidence | undefined;
  outcome: { finished: boolean };
}

export type RestoreRefusal =
  "upgrade-running" | "no-snapshot-set" | "snapshot-set-not-ready" | "snapshot-set-deleted" | "no-revision-before";

export type RestoreSourceCheck =
  { ok: true; source: RestoreSource } | { ok: false; code: RestoreRefusal; message: string };

/** Whether run `run`'s record holds a whole, ready snapshot set and the revision to roll back to. */
export function restoreSourceOf(run: RestorableRun): RestoreSourceCheck {
  const refuse = (code: RestoreRefusal, message: string): RestoreSourceCheck => ({ ok: false, code, message });
  if (!run.outcome.finished)
    return refuse("upgrade-running", `upgrade ${run.runId} is still going: its set can be restored once it has ended`);
  const evidence = run.snapshots;
  if (!evidence || evidence.set.length === 0)
    return refuse("no-snapshot-set", `upgrade ${run.runId} took no snapshot set`);
  if (evidence.deleted?.length)
    return refuse(
      "snapshot-set-deleted",
      `the snapshot set of ${run.runId} was deleted when its snapshot stage failed`,
    );
  const unready = evidence.set.filter((s) => !s.readyAt).map((s) => s.name);
  if (!evidence.ok || unready.length > 0)
    return refuse(
      "snapshot-set-not-ready",
      `the snapshot set of ${run.runId} was never wholly ready (${unready.length ? `not ready: ${unready.join(", ")}` : evidence.summary})`,
    );
  const toRevision = run.helm.revisionBefore;
  if (toRevision === undefined || !run.fromRelease || !run.plan)
    return refuse("no-revision-before", `the record of ${run.runId} names no Helm revision before it to roll back to`);
  return {
    ok: true,
    source: {
      runId: run.runId,
      cluster: run.cluster,
      fromRelease: run.fromRelease,
      fromChart: run.plan.fromChart,
      toRevision,
      ...(run.helm.revisionAfter !== undefined ? { lastRevision: run.helm.revisionAfter } : {}),
      className: evidence.className,
      set: evidence.set.map((s) => ({
        name: s.name,
        pvc: s.pvc,
        ...(s.restoreSize ? { restoreSize: s.restoreSize } : {}),
        readyAt: s.readyAt ?? "",
      })),
      workloads: evidence.quiesced.flatMap((w) =>
        w.kind === "Deployment" || w.kind === "StatefulSet"
          ? [{ kind: w.kind, name: w.name, replicas: w.replicas }]
          : [],
      ),
    },
  };
}

/** The snapshots of the set the cluster no longer has ready (deleted by retention or by hand, or failed since). */
export function missingSnapshots(source: RestoreSource, seen: readonly SnapshotObservation[]): string[] {
  return source.set
    .filter((item) => !seen.some((o) => o.name === item.name && o.found && o.readyToUse))
    .map((item) => item.name);
}

/** Revisions of the release made after the original run: a rollback to before it also undoes them. */
export function revisionsSince(source: RestoreSource, history: readonly HelmRevision[]): HelmRevision[] {
  const last = source.lastRevision ?? source.toRevision;
  return history.filter((r) => r.revision > last).sort((a, b) => a.revision - b.revision);
}

/** The set, one line per snapshot, for the approval e-mail. */
export const setLines = (source: RestoreSource): string[] =>
  source.set.map(
    (s) => `Snapshot ${s.name} of claim ${s.pvc}${s.restoreSize ? ` (${s.restoreSize})` : ""}, ready at ${s.readyAt}`,
  );

/** A revision as the approvers are told of it. */
type RevisionFacts = Pick<HelmRevision, "revision" | "chartVersion" | "appVersion"> & { status: string };

/** What the release moved on to since the run, in a sentence; empty when it has not. */
export function movedOnText(source: RestoreSource, newer: readonly RevisionFacts[]): string {
  if (newer.length === 0) return "";
  const listed = newer.map((r) => `${r.revision} (${r.appVersion}, chart ${r.chartVersion}, ${r.status})`).join(", ");
  return (
    `The release has moved on since ${source.runId}: revision(s) ${listed} came later; rolling back to revision ` +
    `${source.toRevision} undoes them too, and the restored data is older than what they ran on.`
  );
}

/** The approval question: which set, which claims, which revision, what is lost (within the e-mail's 2000 characters). */
export function restoreQuestion(
  facts: { cluster: string; environment: string; reason: string; requestedBy: string },
  source: RestoreSource,
  newer: readonly RevisionFacts[],
): string {
  const moved = movedOnText(source, newer);
  return clip(
    `${facts.requestedBy} asks to restore ${facts.cluster} (${facts.environment}) from the ${source.set.length} ` +
      `snapshots taken by ${source.runId} (${source.set.map((s) => s.pvc).join(", ")}) and to roll the release back ` +
      `to revision ${source.toRevision} (${source.fromRelease}, chart ${source.fromChart}). ` +
      `Reason: ${clip(facts.reason, 300)}. ` +
      `CluedIn is stopped while it runs; data written since the snapshots is lost (the current disks are kept, not ` +
      `deleted).${moved ? ` ${moved}` : ""}`,
    2000,
  );
}
