/**
 * Adaptive polling (runs from orchestration version 2.3): when a monitor looks next, from where the wait is against
 * the moment it is expected to end. Slow while the cluster cannot be done yet, fast just before the expected end, then
 * backing off geometrically to the profile's interval when the end is late. Pure: the orchestrators compute the same
 * schedule on every replay from their input and the durable clock.
 *
 * The expected end comes from this cluster's previous runs (their audit records' stage times, read by an activity
 * before the Helm change) and otherwise from the runbook and the release pages (the constants below).
 */
import type { StageName } from "./model.js";

/** What a monitor is told about the end it waits for; absent: it polls at its fixed interval as before 2.3. */
export interface Pace {
  /** When the wait is expected to end (ISO, orchestration clock). */
  expectedAt: string;
  /** How far either side of `expectedAt` the end may fall: the monitor polls at the floor within it. */
  spreadMs?: number | undefined;
  /** The longest gap between polls before that (at least the profile's interval). */
  slowMs: number;
}

/** Never poll faster than this (or the profile's interval when that is shorter): it bounds the activity count. */
export const POLL_FLOOR_MS = 3_000;
/** Before the expected window, each gap is this share of the time left until it. */
export const APPROACH_RATIO = 0.25;
/** After the expected window, each gap is this share of the time since it (geometric back-off, capped at the interval). */
export const LATE_RATIO = 0.15;
/** Slowest gap before the expected end, in profile intervals, when the expectation comes from previous runs. */
export const SLOW_INTERVALS = 4;
/**
 * The spread of an expectation from previous runs: this share of the expected duration, at least two floors. Runs of
 * the same cluster differ by little (the same workloads, data and nodes); a previous run's stage times also hold its
 * own polling delay, which this covers.
 */
export const PAST_SPREAD_RATIO = 0.03;

export interface PollClock {
  nowMs: number;
  /** The profile's poll interval. */
  intervalMs: number;
  /** The monitor's deadline: no poll is planned after it. */
  deadlineMs: number;
}

/**
 * The gap until the next poll. Before the expected window (`expectedAt` ± `spreadMs`): `APPROACH_RATIO` of the time
 * left until it, between the floor and `slowMs`, so polls close in on it. Within it: the floor. After it:
 * `LATE_RATIO` of the time since it, between the floor and the profile's interval. Never shorter than the floor
 * unless the deadline comes first; never longer than the interval once the expected end has passed.
 */
export function nextPollDelay(
  pace: { expectedAtMs: number; spreadMs?: number; slowMs: number },
  clock: PollClock,
): number {
  const floor = Math.min(POLL_FLOOR_MS, clock.intervalMs);
  const slow = Math.max(pace.slowMs, clock.intervalMs);
  const spread = Math.max(0, pace.spreadMs ?? 0);
  const opens = pace.expectedAtMs - spread;
  const closes = pace.expectedAtMs + spread;
  let gap: number;
  if (clock.nowMs < opens) gap = Math.min(slow, Math.max(floor, (opens - clock.nowMs) * APPROACH_RATIO));
  else if (clock.nowMs <= closes) gap = floor;
  else gap = Math.min(clock.intervalMs, Math.max(floor, (clock.nowMs - closes) * LATE_RATIO));
  // Before the expected end the gap may be slow, but never beyond it by more than the interval.
  if (clock.nowMs < pace.expectedAtMs) gap = Math.min(gap, pace.expectedAtMs - clock.nowMs + clock.intervalMs);
  const untilDeadline = Math.max(0, clock.deadlineMs - clock.nowMs);
  return Math.round(Math.min(gap, untilDeadline));
}

/** The next poll's time for a monitor: adaptive with a pace, the fixed interval without one (runs before 2.3). */
export function nextPollAt(pace: Pace | undefined, clock: PollClock): number {
  if (!pace) return Math.min(clock.deadlineMs, clock.nowMs + clock.intervalMs);
  const expectedAtMs = Date.parse(pace.expectedAt);
  return (
    clock.nowMs +
    nextPollDelay({ expectedAtMs, slowMs: pace.slowMs, ...(pace.spreadMs ? { spreadMs: pace.spreadMs } : {}) }, clock)
  );
}

/**
 * Runbook figures for a cluster with no previous run (CluedIn-io/CluedIn.Documentation docs/190-paas-operations/
 * upgrade/upgrade-guide/030-perform-for-the-upgrade.md, "Basic Helm upgrade"): "After about 10 minutes, the Helm
 * command [...] should complete"; "A standard CluedIn upgrade typically results in 20–30 minutes of downtime": the
 * pods are healthy 20 minutes after the Helm start at the earliest.
 */
export const RUNBOOK_HELM_MS = 10 * 60_000;
export const RUNBOOK_HEALTHY_MS = 20 * 60_000;

/**
 * How long `POST /api/upgradeto/<version>` took where a release page logs it: 208-upgrade-202412.md (Stage 2,
 * "responded 200 in 3044054.6755 ms") and upgrade-guide/030-perform-for-the-upgrade.md ("responded 200 in 1857.3003
 * ms"). No page logs Version430, Version460, Version470 or Version480.
 */
export const LOGGED_DATA_UPGRADE_MS: Readonly<Record<string, number>> = {
  Version440: 3_044_055,
  Version450: 1_857,
};

/** A previous run's stage times, as its audit record keeps them. */
export interface PastRun {
  mode: "basic" | "data-upgrade";
  /** The data upgrade's version (`Version450`): how long one takes depends on it above all. */
  dataUpgradeTo?: string | undefined;
  stages: { name: StageName; startedAt: string; endedAt?: string | undefined; state: string }[];
}

/**
 * What previous runs of the cluster took, per wait, from the wait's anchor: the stage's own start, and for `verify`
 * the start of the Helm stage before it (verification ends when the cluster settles from that Helm change). The
 * shortest of the runs: the expectation is the earliest plausible end.
 */
export interface PastDurations {
  "helm-upgrade"?: number;
  "upgrade-mode"?: number;
  "data-upgrade"?: number;
  finalize?: number;
  /** Basic: from helm-upgrade's start; data upgrade: from finalize's start. */
  verify?: number;
  /** How many completed runs these come from. */
  runs: number;
}

const HELM_ANCHORS: readonly StageName[] = ["helm-upgrade", "finalize"];

/**
 * The shortest duration of each wait over `runs` (completed runs only; failed stages do not count). The data upgrade's
 * own step counts only from runs to the same `toVersion`: Version440 ran 51 min where Version450 ran 2 s.
 */
export function pastDurations(runs: readonly PastRun[], toVersion?: string): PastDurations {
  const out: PastDurations = { runs: 0 };
  const keep = (key: Exclude<keyof PastDurations, "runs">, ms: number): void => {
    if (!(ms > 0)) return;
    out[key] = Math.min(out[key] ?? Infinity, ms);
  };
  for (const run of runs) {
    let counted = false;
    let anchor: number | undefined;
    for (const stage of run.stages) {
      if (stage.state !== "succeeded" || !stage.endedAt) continue;
      const start = Date.parse(stage.startedAt);
      const end = Date.parse(stage.endedAt);
      if (HELM_ANCHORS.includes(stage.name)) anchor = start;
      if (stage.name === "verify" && anchor !== undefined) {
        keep("verify", end - anchor);
        counted = true;
      } else if (stage.name === "data-upgrade") {
        if (toVersion !== undefined && run.dataUpgradeTo === toVersion) keep(stage.name, end - start);
      } else if (stage.name === "helm-upgrade" || stage.name === "upgrade-mode") keep(stage.name, end - start);
      else if (stage.name === "finalize") keep("finalize", end - start);
    }
    if (counted) out.runs++;
  }
  return out;
}

/** The waits a run paces. */
export type PacedWait =
  | { kind: "helm"; phase: "basic" | "upgrade-mode" | "finalize" | "rollback" }
  | { kind: "pods-after-upgrade-mode" }
  | { kind: "data-upgrade"; toVersion: string }
  | { kind: "verify"; after: "basic" | "finalize" };

/**
 * The pace of one wait that began (its anchor) at `anchorMs`: from previous runs when there are any (slow before the
 * end, they are precise), else from the runbook and the pages (never slower than the interval, they are coarse);
 * undefined when nothing says when it ends (it polls at the interval, as before).
 */
export function paceFor(
  wait: PacedWait,
  anchorMs: number,
  past: PastDurations | undefined,
  intervalMs: number,
): Pace | undefined {
  const fromPast = (ms: number | undefined): Pace | undefined =>
    ms === undefined
      ? undefined
      : {
          expectedAt: new Date(anchorMs + ms).toISOString(),
          spreadMs: Math.round(Math.max(2 * POLL_FLOOR_MS, PAST_SPREAD_RATIO * ms)),
          slowMs: SLOW_INTERVALS * intervalMs,
        };
  const fromBook = (ms: number | undefined): Pace | undefined =>
    ms === undefined ? undefined : { expectedAt: new Date(anchorMs + ms).toISOString(), slowMs: intervalMs };
  switch (wait.kind) {
    case "helm":
      if (wait.phase === "basic") return fromPast(past?.["helm-upgrade"]) ?? fromBook(RUNBOOK_HELM_MS);
      // The upgrade-mode Helm command is over before the pods and jobs it waits for: the stage's end is the bound.
      if (wait.phase === "upgrade-mode") return fromPast(past?.["upgrade-mode"]);
      if (wait.phase === "finalize") return fromPast(past?.finalize);
      return undefined;
    case "pods-after-upgrade-mode":
      return fromPast(past?.["upgrade-mode"]) ?? fromBook(RUNBOOK_HEALTHY_MS);
    case "data-upgrade":
      return fromPast(past?.["data-upgrade"]) ?? fromBook(LOGGED_DATA_UPGRADE_MS[wait.toVersion]);
    case "verify":
      // After a basic upgrade the database jobs set the end; after finalize only the pods' restart does.
      return fromPast(past?.verify) ?? fromBook(wait.after === "basic" ? RUNBOOK_HEALTHY_MS : RUNBOOK_HELM_MS);
  }
}
