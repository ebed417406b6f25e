/**
 * A short diagnosis of unhealthy pods, read the way CluedIn.Documentation upgrade-guide/
 * 050-resolve-common-upgrade-issues.md tells operators to: CrashLoopBackOff -> the previous container's log
 * (`kubectl logs -p`), whose last lines hold the error (e.g. `OutOfMemoryError: Java heap space`); Running but not
 * Ready -> `Readiness probe failed` events and the log (`Waiting for database connection`); Pending because of an
 * init container -> the init container's log (`-c <init>`, e.g. `Init container "wait-cluedin-gql" failed`). Pure:
 * the activity collects the (redacted) evidence, this names the symptom, the likely cause and the key log line.
 */

export interface ContainerEvidence {
  name: string;
  init: boolean;
  ready: boolean;
  restartCount: number;
  waiting?: { reason?: string | undefined; message?: string | undefined } | undefined;
  running?: boolean | undefined;
  terminated?: { reason?: string | undefined; exitCode?: number | undefined } | undefined;
  lastTerminated?: { reason?: string | undefined; exitCode?: number | undefined } | undefined;
  /** The tail of its log: the previous instance's for a container that restarted, else the current one's. */
  log?: { previous: boolean; lines: string[] } | undefined;
}

export interface PodEvent {
  type: string;
  reason: string;
  message: string;
  count?: number | undefined;
}

export interface PodEvidence {
  pod: string;
  phase: string;
  ready: boolean;
  containers: ContainerEvidence[];
  /** The pod's Warning events, newest last. */
  events: PodEvent[];
}

export interface PodDiagnosis {
  pod: string;
  container: string;
  symptom: string;
  cause: string;
  /** The log line (or event message) that says most, clipped, and where it was read. */
  line?: string;
  source?: LineSource;
}

export type LineSource = "previous log" | "log" | "init container log" | "event";

/** Bounds: the diagnosis rides in e-mails, orchestration history and the audit record. */
export const DIAGNOSIS_LIMITS = { pods: 8, line: 200, text: 400 } as const;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A line logged at an error level (CluedIn's `ERR`/`FTL`, Neo4j's `ERROR`), then one that names a failure. */
const LEVEL_LINE = /\b(ERROR|ERR|FTL|FATAL|CRITICAL)\b/;
const FAILURE_LINE = /Exception|OutOfMemory|Timeout|timed out|refused|failed/i;
const WAIT_LINE = /\bwait(ing)?\b/i;
const OOM = /OutOfMemory|OOMKilled|out of memory|Java heap space/i;

/** The line that says most: the last error-level line, else one naming a failure, else a "waiting" line, else the last. */
export function keyLine(lines: readonly string[]): string | undefined {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l.length > 0);
  const line =
    meaningful.findLast((l) => LEVEL_LINE.test(l)) ??
    meaningful.findLast((l) => FAILURE_LINE.test(l)) ??
    meaningful.findLast((l) => WAIT_LINE.test(l)) ??
    meaningful.at(-1);
  return line === undefined ? undefined : clip(line, DIAGNOSIS_LIMITS.line);
}

const notFinished = (c: ContainerEvidence): boolean => c.init && !c.ready && c.terminated?.exitCode !== 0;

const eventMatching = (events: readonly PodEvent[], pattern: RegExp): PodEvent | undefined =>
  events.findLast((e) => pattern.test(e.message) || pattern.test(e.reason));

const found = (line: string | undefined, source: LineSource): { line?: string; source?: LineSource } =>
  line ? { line: clip(line, DIAGNOSIS_LIMITS.line), source } : {};

const restarts = (c: ContainerEvidence): string => (c.restartCount > 0 ? `, ${c.restartCount} restarts` : "");

function initDiagnosis(pod: PodEvidence, init: ContainerEvidence): PodDiagnosis {
  const failed = init.terminated !== undefined || (init.lastTerminated !== undefined && init.restartCount > 0);
  const event = eventMatching(pod.events, new RegExp(`Init container "?${init.name}"? failed`, "i"));
  const logged = keyLine(init.log?.lines ?? []);
  const line = logged ?? event?.message;
  return {
    pod: pod.pod,
    container: init.name,
    symptom: `${pod.phase}: init container ${init.name} ${failed ? "failed" : "not finished"}${restarts(init)}`,
    cause: "the main containers wait for their init containers; usually a dependency it waits for is not available yet",
    ...found(line, logged ? "init container log" : "event"),
  };
}

function crashDiagnosis(pod: PodEvidence, c: ContainerEvidence): PodDiagnosis {
  const line = keyLine(c.log?.lines ?? []);
  const oom = c.lastTerminated?.reason === "OOMKilled" || c.terminated?.reason === "OOMKilled" || OOM.test(line ?? "");
  const waiting = c.waiting?.reason;
  const symptom =
    waiting === "CrashLoopBackOff"
      ? `CrashLoopBackOff${restarts(c)}`
      : `${c.terminated?.reason ?? "restarting"}${restarts(c)}`;
  return {
    pod: pod.pod,
    container: c.name,
    symptom: oom && !symptom.startsWith("OOMKilled") ? `${symptom}, last state OOMKilled` : symptom,
    cause: oom
      ? "out of memory: the container's memory limit (or its heap settings) is too low for the workload; raise the limit"
      : "the container keeps crashing; the previous instance's log holds the error",
    ...found(line, c.log?.previous ? "previous log" : "log"),
  };
}

function notReadyDiagnosis(pod: PodEvidence, c: ContainerEvidence): PodDiagnosis {
  const probe = eventMatching(pod.events, /Readiness probe failed/i);
  const logged = keyLine(c.log?.lines ?? []);
  const line = logged ?? probe?.message;
  return {
    pod: pod.pod,
    container: c.name,
    symptom: `Running, not Ready${probe ? `: Readiness probe failed${probe.count && probe.count > 1 ? ` (x${probe.count})` : ""}` : ""}`,
    cause: "the application is alive but not ready to serve; often it is waiting for a dependency such as its database",
    ...found(line, logged ? "log" : "event"),
  };
}

function otherDiagnosis(pod: PodEvidence, c: ContainerEvidence | undefined): PodDiagnosis {
  const reason = c?.waiting?.reason;
  const event = pod.events.at(-1);
  const cause = /ImagePull|ErrImage|InvalidImageName/.test(reason ?? "")
    ? "the image cannot be pulled: check the image tag and the pull secrets"
    : /CreateContainerConfigError/.test(reason ?? "")
      ? "the container's configuration refers to something missing (a secret or config map)"
      : pod.phase === "Pending"
        ? "the pod cannot be scheduled or started; its events say why"
        : "see the pod's events and logs";
  const line = c?.waiting?.message ?? event?.message;
  return {
    pod: pod.pod,
    container: c?.name ?? "",
    symptom: reason ?? pod.phase,
    cause,
    ...found(line, "event"),
  };
}

/** What is most likely wrong with one pod, in the order the guide's scenarios would find it. */
export function diagnosePod(pod: PodEvidence): PodDiagnosis {
  const init = pod.containers.find(notFinished);
  if (init) return initDiagnosis(pod, init);
  const main = pod.containers.filter((c) => !c.init);
  const crashing = main.find(
    (c) =>
      c.waiting?.reason === "CrashLoopBackOff" ||
      c.lastTerminated?.reason === "OOMKilled" ||
      (c.terminated !== undefined && c.terminated.exitCode !== 0),
  );
  if (crashing) return crashDiagnosis(pod, crashing);
  const notReady = main.find((c) => c.running && !c.ready);
  if (pod.phase === "Running" && notReady) return notReadyDiagnosis(pod, notReady);
  return otherDiagnosis(
    pod,
    main.find((c) => c.waiting?.reason),
  );
}

export function diagnosisLine(d: PodDiagnosis): string {
  const line = d.line ? `; ${d.source ?? "log"}: "${d.line}"` : "";
  return clip(
    `${d.pod}${d.container ? ` (${d.container})` : ""}: ${d.symptom}. Likely cause: ${d.cause}${line}`,
    DIAGNOSIS_LIMITS.text,
  );
}

/** One diagnosis per pod, at most `DIAGNOSIS_LIMITS.pods`, with a closing line when some were left out. */
export function diagnose(pods: readonly PodEvidence[]): { pods: PodDiagnosis[]; lines: string[] } {
  const shown = pods.slice(0, DIAGNOSIS_LIMITS.pods).map(diagnosePod);
  const lines = shown.map(diagnosisLine);
  if (pods.length > shown.length) lines.push(`… and ${pods.length - shown.length} more unhealthy pod(s)`);
  return { pods: shown, lines };
}
