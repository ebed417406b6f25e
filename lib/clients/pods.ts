/**
 * Pod and job health the way the runbook reads `kubectl get pods`: every pod Running and Ready, or Completed;
 * CrashLoopBackOff, image pull failures, Error and Pending over five minutes are problems (REFERENCE §7).
 * Plain structural shapes, compatible with client-node's V1Pod and V1Job.
 */
import type { ContainerEvidence, PodEvidence } from "../workflow/diagnosis.js";
import type { PodProblem, PodsSummary } from "./types.js";

interface ContainerStateLike {
  waiting?: { reason?: string; message?: string };
  running?: object;
  terminated?: { reason?: string; exitCode?: number; message?: string };
}

interface ContainerStatusLike {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateLike;
  lastState?: ContainerStateLike;
}

export interface PodLike {
  metadata?: {
    name?: string;
    creationTimestamp?: Date | string;
    deletionTimestamp?: Date | string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: { containers: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  };
}

export interface JobLike {
  metadata?: { name?: string };
  spec?: { completions?: number };
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string }[] };
}

export const pendingLimitMs = 5 * 60_000;

const failingWaitReasons = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

export function jobState(job: JobLike): { name: string; complete: boolean; failed: boolean } {
  const condition = (type: string): boolean =>
    job.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
  const succeeded = job.status?.succeeded ?? 0;
  const complete = condition("Complete") || succeeded >= (job.spec?.completions ?? 1);
  return { name: job.metadata?.name ?? "", complete, failed: !complete && condition("Failed") };
}

function epochMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function containerProblem(pod: string, statuses: ContainerStatusLike[] | undefined): PodProblem | undefined {
  for (const status of statuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && failingWaitReasons.has(waiting.reason)) {
      const restarts = status.restartCount ? ` (restarts: ${status.restartCount})` : "";
      return { pod, reason: waiting.reason, detail: `${status.name}: ${waiting.message ?? waiting.reason}${restarts}` };
    }
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0 && !status.ready) {
      return {
        pod,
        reason: terminated.reason === "OOMKilled" ? "OOMKilled" : "Error",
        detail: `${status.name} exited with code ${terminated.exitCode ?? "?"}`,
      };
    }
  }
  return undefined;
}

type PodVerdict =
  { kind: "ready" } | { kind: "completed" } | { kind: "starting" } | { kind: "problem"; problem: PodProblem };

export function podVerdict(pod: PodLike, nowMs: number): PodVerdict {
  const name = pod.metadata?.name ?? "";
  const phase = pod.status?.phase ?? "Unknown";
  if (phase === "Succeeded") return { kind: "completed" };
  if (phase === "Failed") {
    const reason = pod.status?.reason ?? "Error";
    return { kind: "problem", problem: { pod: name, reason, detail: pod.status?.message ?? `pod phase ${phase}` } };
  }
  const problem =
    containerProblem(name, pod.status?.initContainerStatuses) ?? containerProblem(name, pod.status?.containerStatuses);
  if (problem) return { kind: "problem", problem };
  if (phase === "Running") {
    const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
    return ready && !pod.metadata?.deletionTimestamp ? { kind: "ready" } : { kind: "starting" };
  }
  if (phase === "Pending") {
    const created = epochMs(pod.metadata?.creationTimestamp);
    if (created !== undefined && nowMs - created > pendingLimitMs) {
      const minutes = Math.floor((nowMs - created) / 60_000);
      const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
      const why = unscheduled?.message ? `: ${unscheduled.message}` : "";
      return { kind: "problem", problem: { pod: name, reason: "Pending", detail: `pending for ${minutes} min${why}` } };
    }
    return { kind: "starting" };
  }
  return {
    kind: "problem",
    problem: { pod: name, reason: phase, detail: pod.status?.message ?? `pod phase ${phase}` },
  };
}

/** The deployment, statefulset or job a pod belongs to (a ReplicaSet name minus its pod-template-hash). */
export function workloadOf(pod: PodLike): string {
  const owner = pod.metadata?.ownerReferences?.[0];
  const name = pod.metadata?.name ?? "";
  if (!owner) return name;
  const hash = pod.metadata?.labels?.["pod-template-hash"];
  if (owner.kind === "ReplicaSet" && hash && owner.name.endsWith(`-${hash}`)) {
    return owner.name.slice(0, -(hash.length + 1));
  }
  return owner.name;
}

function ownedByJob(pod: PodLike): string | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.kind === "Job")?.name;
}

/** A pod that is neither Running and Ready nor Completed: worth a diagnosis when a check failed. */
export const isUnhealthy = (pod: PodLike, nowMs: number): boolean => {
  const verdict = podVerdict(pod, nowMs).kind;
  return verdict === "problem" || verdict === "starting";
};

/** The container states a diagnosis reads (lib/workflow/diagnosis.ts), without logs or events yet. */
export function podEvidenceOf(pod: PodLike): PodEvidence {
  const container = (init: boolean) => (status: ContainerStatusLike) => ({
    name: status.name,
    init,
    ready: status.ready ?? false,
    restartCount: status.restartCount ?? 0,
    ...(status.state?.waiting ? { waiting: status.state.waiting } : {}),
    ...(status.state?.running ? { running: true } : {}),
    ...(status.state?.terminated ? { terminated: status.state.terminated } : {}),
    ...(status.lastState?.terminated ? { lastTerminated: status.lastState.terminated } : {}),
  });
  return {
    pod: pod.metadata?.name ?? "",
    phase: pod.status?.phase ?? "Unknown",
    ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    containers: [
      ...(pod.status?.initContainerStatuses ?? []).map(container(true)),
      ...(pod.status?.containerStatuses ?? []).map(container(false)),
    ],
    events: [],
  };
}

/**
 * Which log a diagnosis reads for a container (upgrade-guide/050): the previous instance's of one that restarted,
 * the current one's of an init container that has not finished or a running container that is not ready.
 */
export function logToRead(container: ContainerEvidence): { previous: boolean } | undefined {
  if (container.restartCount > 0 && (container.lastTerminated || container.waiting?.reason === "CrashLoopBackOff"))
    return { previous: true };
  if (container.init) return container.ready || container.terminated?.exitCode === 0 ? undefined : { previous: false };
  return container.running && !container.ready ? { previous: false } : undefined;
}

export function summarizePods(pods: PodLike[], jobs: JobLike[], nowMs: number): PodsSummary {
  const jobStates = jobs.map(jobState);
  const completeJobs = new Set(jobStates.filter((j) => j.complete).map((j) => j.name));
  const problems: PodProblem[] = [];
  const images: Record<string, string> = {};
  let total = 0;
  let ready = 0;
  let completed = 0;
  // Oldest first, so that during a rollout the newest pod's image is the one reported for its workload.
  const byAge = [...pods].sort(
    (a, b) => (epochMs(a.metadata?.creationTimestamp) ?? 0) - (epochMs(b.metadata?.creationTimestamp) ?? 0),
  );
  for (const pod of byAge) {
    const verdict = podVerdict(pod, nowMs);
    const job = ownedByJob(pod);
    // A job's failed attempts stay behind after a later attempt succeeded; they are history, not problems.
    if (verdict.kind === "problem" && pod.status?.phase === "Failed" && job && completeJobs.has(job)) continue;
    total++;
    if (verdict.kind === "ready") ready++;
    else if (verdict.kind === "completed") completed++;
    else if (verdict.kind === "problem") problems.push(verdict.problem);
    const workload = workloadOf(pod);
    const containers = pod.spec?.containers ?? [];
    for (const container of containers) {
      if (!container.image) continue;
      images[containers.length === 1 ? workload : `${workload}/${container.name}`] = container.image;
    }
  }
  const healthy = problems.length === 0 && ready + completed === total && !jobStates.some((j) => j.failed);
  return { total, ready, completed, healthy, problems, jobs: jobStates, images };
}
