/** A period during which a workload's containers crash shortly after each start (open while `until` is unset). */
export interface CrashWindow {
  from: number;
  until?: number;
  /** How the container dies: `Error` (exit 1) or `OOMKilled` (exit 137, the kernel's SIGKILL). */
  reason?: "Error" | "OOMKilled";
}

export interface ContainerTimings {
  readyMs: number;
  crashRunMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

export interface Terminated {
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
}

export type ContainerState =
  | { kind: "running"; startedAt: number }
  | { kind: "waiting"; reason: string; message: string }
  | { kind: "terminated"; terminated: Terminated };

export interface ContainerView {
  state: ContainerState;
  ready: boolean;
  restarts: number;
  lastTerminated?: Terminated;
  /** When the container becomes ready if nothing changes; Infinity while it crash-loops. */
  readyAt: number;
  /** Start of the container instance whose log `kubectl logs` shows now. */
  instanceStart: number;
}

const MAX_CYCLES = 200_000;

/**
 * The state at `t` of a container started at `start`: ready `readyMs` after each start unless a crash window is
 * open, in which case it runs `crashRunMs`, exits with an error and is restarted after kubelet's back-off
 * (base doubling to the cap), as CrashLoopBackOff looks. Pure: derived from timestamps only.
 */
export function containerAt(
  start: number,
  windows: readonly CrashWindow[],
  notReadyUntil: number,
  t: number,
  timings: ContainerTimings,
): ContainerView {
  let lastStart = start;
  let restarts = 0;
  let readyFloor = notReadyUntil;
  let lastTerminated: Terminated | undefined;
  const sorted = [...windows].filter((w) => w.until === undefined || w.until > start).sort((a, b) => a.from - b.from);

  for (const window of sorted) {
    const from = Math.max(window.from, start);
    if (from > t) break;
    const end = window.until ?? Infinity;
    let crashAt = Math.max(from, lastStart) + timings.crashRunMs;
    let cycle = 0;
    for (;;) {
      if (crashAt >= end) {
        readyFloor = Math.max(readyFloor, end);
        break;
      }
      if (crashAt > t || cycle > MAX_CYCLES) {
        return {
          state: { kind: "running", startedAt: lastStart },
          ready: false,
          restarts,
          ...(lastTerminated !== undefined ? { lastTerminated } : {}),
          readyAt: Infinity,
          instanceStart: lastStart,
        };
      }
      lastTerminated =
        window.reason === "OOMKilled"
          ? { startedAt: lastStart, finishedAt: crashAt, exitCode: 137, reason: "OOMKilled" }
          : { startedAt: lastStart, finishedAt: crashAt, exitCode: 1, reason: "Error" };
      const backoff = Math.min(timings.backoffBaseMs * 2 ** Math.min(cycle, 30), timings.backoffCapMs);
      cycle++;
      const restartAt = crashAt + backoff;
      if (restartAt > t) {
        return {
          state: {
            kind: "waiting",
            reason: "CrashLoopBackOff",
            message: `back-off ${Math.round(backoff / 1000)}s restarting failed container`,
          },
          ready: false,
          restarts,
          lastTerminated,
          readyAt: end === Infinity ? Infinity : restartAt + timings.readyMs,
          instanceStart: lastTerminated.startedAt,
        };
      }
      restarts++;
      lastStart = restartAt;
      if (restartAt >= end) break;
      crashAt = lastStart + timings.crashRunMs;
    }
  }
  const readyAt = Math.max(lastStart + timings.readyMs, readyFloor);
  return {
    state: { kind: "running", startedAt: lastStart },
    ready: t >= readyAt,
    restarts,
    ...(lastTerminated !== undefined ? { lastTerminated } : {}),
    readyAt,
    instanceStart: lastStart,
  };
}
