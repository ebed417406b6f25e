/**
 * The nodes before the downtime (orchestration version 2.3 onwards, lib/workflow/prepull.ts). Before approval, a
 * pre-check: the nodes have room for the CluedIn pods' requests and disk for the target release's images; a
 * shortfall blocks the run with the node and the numbers. After approval and before the maintenance window and the
 * downtime notice, the pre-pull: a DaemonSet pulls the images the Helm upgrade will use onto every node that runs
 * CluedIn, watched by a monitor sub-orchestration up to its own deadline and never past the window's start; the
 * nodes' `status.images` then prove what arrived, the result goes to the evidence, and the DaemonSet is deleted
 * whatever happened. The profile's `policies.prePull` decides whether a failed pre-pull ends the run (`required`)
 * or is a warning (`best-effort`).
 */
import type { Task } from "durable-functions";
import type { PrePullEvidence } from "../../lib/workflow/evidence.js";
import { prePullDeadline, type NodeImagesVerdict, type PrePullObservation } from "../../lib/workflow/prepull.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import { transientRetry } from "../retry.js";
import type { Start } from "./approval.js";
import { end, go, type Step, type Target, type UpgradeRun } from "./run.js";

const checksNodes = (run: UpgradeRun): boolean => startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.prePull);

/** The pre-check: the plan gains the images and what each node lacks, or the run ends on a shortfall. */
export function* checkNodes(run: UpgradeRun, target: Target): Flow<Step<Target>> {
  if (!checksNodes(run)) return go(target);
  const { plan } = target;
  const mode = run.policy.prePull?.mode ?? "off";
  const checked = yield* call(
    run.activities.checkNodes,
    { cluster: run.cluster, fromTag: plan.fromRelease, toTag: plan.toRelease },
    transientRetry,
  );
  run.record.prePull({
    mode,
    images: checked.images,
    check: { at: run.now.toISOString(), nodes: checked.nodes, findings: checked.findings },
  });
  const missing = checked.nodes.reduce((sum, n) => sum + n.missing, 0);
  run.record.event(
    `nodes: room for the pods and images on ${checked.nodes.length} node(s); ${missing} image pull(s) ahead` +
      (checked.findings.length ? `; ${checked.findings.length} shortfall(s)` : ""),
  );
  if (checked.findings.length > 0)
    return end(
      "failed",
      `blocked by pre-checks, nothing changed: ${checked.findings.map((f) => f.message).join("; ")}`,
    );
  const withPrePull = { ...plan, prePull: { mode, images: checked.images.length, nodes: checked.nodes } };
  run.record.plan(withPrePull);
  return go({ ...target, plan: withPrePull });
}

/** The pre-pull stage; `start` is when the change may begin (the window), which the pre-pull never runs past. */
export function* prePullImages(run: UpgradeRun, target: Target, start: Start): Flow<Step<void>> {
  const policy = run.policy.prePull;
  const checked = run.record.evidence.prePull;
  const planned = target.plan.prePull;
  const images = checked?.images ?? [];
  if (!checksNodes(run) || !policy || policy.mode === "off" || !planned || !checked || images.length === 0)
    return go(undefined);
  const nodes = planned.nodes.map((n) => n.name);
  const startsAt = start?.startsAt ?? (run.input.notBefore ? new Date(run.input.notBefore).getTime() : undefined);
  const deadline = new Date(prePullDeadline(run.now.getTime(), policy.deadlineMs, startsAt));
  run.record.startStage("pre-pull");
  const evidence: PrePullEvidence = {
    ...checked,
    startedAt: run.now.toISOString(),
    deadline: deadline.toISOString(),
  };
  let name: string | undefined;
  let outcome: { ok: boolean; summary: string; cancelled?: boolean };
  try {
    const started = yield* call(
      run.activities.startPrePull,
      { cluster: run.cluster, runId: run.id, images, nodes },
      transientRetry,
    );
    name = started.name;
    evidence.name = name;
    run.record.prePull({ ...evidence });
    const watch = scheduleMonitor(run.deps.monitor, {
      cluster: run.cluster,
      check: { kind: "prepull", name },
      intervalMs: run.policy.pollIntervalMs,
      deadline: deadline.toISOString(),
    });
    const contenders: Task[] = run.cancelRequested ? [watch.task] : [watch.task, run.cancelTask];
    if ((yield run.context.df.Task.any(contenders)) !== watch.task) {
      outcome = { ok: false, summary: "cancelled", cancelled: true };
    } else {
      const watched = watch.result();
      const seen = watched.observation;
      const verdicts = yield* call(
        run.activities.verifyPrePull,
        { cluster: run.cluster, images, nodes },
        transientRetry,
      );
      evidence.nodes = perNode(verdicts, seen);
      const short = verdicts.filter((v) => v.missing.length + v.unknown.length > 0);
      const why = watched.timedOut
        ? deadline.getTime() === (startsAt ?? NaN)
          ? "the maintenance window opened first"
          : `not done within ${Math.round(policy.deadlineMs / 60_000)} min`
        : undefined;
      outcome =
        short.length === 0
          ? { ok: true, summary: `every image on ${verdicts.length} node(s) (${gb(sum(verdicts))} present)` }
          : {
              ok: false,
              summary:
                `${short.map((v) => `${v.node} lacks ${[...v.missing, ...v.unknown].join(", ")}`).join("; ")}` +
                (why ? ` (${why}: ${watched.summary})` : ` (${watched.summary})`),
            };
    }
  } finally {
    // Whatever happened (done, failed, cancelled, an API down): the DaemonSet does not outlive the stage.
    if (name !== undefined) {
      const gone = yield* call(run.activities.deletePrePull, { cluster: run.cluster, name }, transientRetry);
      evidence.deleted = gone.deleted;
    }
  }
  evidence.ok = outcome.ok;
  evidence.summary = outcome.summary;
  evidence.endedAt = run.now.toISOString();
  run.record.prePull({ ...evidence });
  if (outcome.cancelled) {
    run.record.endStage("pre-pull", "failed", "cancelled");
    return end(
      "cancelled",
      `cancelled by ${run.cancelledBy()} during the image pre-pull; nothing changed on the cluster`,
    );
  }
  if (outcome.ok) {
    // No stage note: the run's view is kept small (the event and the evidence carry the summary).
    run.record.event(`pre-pull: ${outcome.summary}`);
    run.record.endStage("pre-pull", "succeeded");
    return go(undefined);
  }
  if (policy.mode === "required") {
    run.record.endStage("pre-pull", "failed", outcome.summary);
    return end("failed", `image pre-pull failed (policy required): ${outcome.summary}; nothing changed on the cluster`);
  }
  run.record.event(`pre-pull warning: ${outcome.summary}; the Helm upgrade pulls what is missing`);
  run.record.endStage("pre-pull", "succeeded", `incomplete (best-effort): ${outcome.summary}`);
  return go(undefined);
}

const sum = (verdicts: readonly NodeImagesVerdict[]): number => verdicts.reduce((s, v) => s + v.bytes, 0);
const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

function perNode(
  verdicts: readonly NodeImagesVerdict[],
  seen: PrePullObservation | undefined,
): PrePullEvidence["nodes"] {
  return verdicts.map((v) => {
    const pod = seen?.pods.find((p) => p.node === v.node);
    const took =
      pod?.createdAt && pod.readyAt ? new Date(pod.readyAt).getTime() - new Date(pod.createdAt).getTime() : undefined;
    return {
      node: v.node,
      pulled: v.present,
      missing: v.missing,
      unknown: v.unknown,
      bytes: v.bytes,
      ...(took !== undefined ? { durationMs: took } : {}),
      ...(pod?.waiting ? { waiting: pod.waiting } : {}),
    };
  });
}
