import { rfc3339, rfc3339Nano, hhmmss } from "../core/format.js";
import { smallInt } from "../core/hash.js";
import type { PodView } from "./cluster.js";
import type { Package } from "./workloads.js";

export type Level = "VRB" | "DBG" | "INF" | "WRN" | "ERR" | "FTL";

export interface LogLine {
  at: number;
  text: string;
}

/** CluedIn's server log format: `[#098 05:57:02 INF][CluedIn.Server] message`; no source: `[#098 05:57:02 INF] message`. */
export function serverLine(at: number, level: Level, source: string, message: string): LogLine {
  const thread = String(1 + smallInt(`${at}/${message}`, 140)).padStart(3, "0");
  return { at, text: `[#${thread} ${hhmmss(at)} ${level}]${source ? `[${source}]` : ""} ${message}` };
}

export interface ServerContext {
  tag: string;
  upgradeMode: boolean;
  packages: readonly Package[];
  nugetFullRestore: boolean;
}

export interface ErrorWindow {
  from: number;
  until?: number;
}

const HEARTBEAT_MS = 30_000;
const HEARTBEAT_HORIZON_MS = 6 * 3_600_000;

const HEARTBEATS: readonly [string, string][] = [
  ["CluedIn.Core.Jobs.JobServer", 'Job "CleanupExpiredTokensJob" completed in 14 ms'],
  ["CluedIn.Server.Health", "Health check /health/readiness: Healthy in 3.8 ms"],
  ["CluedIn.Processing.Queues", "Queue consumer heartbeat: 4 consumers connected to cluedin-rabbitmq"],
  ["CluedIn.Core.Jobs.JobServer", 'Job "StatisticsAggregationJob" completed in 212 ms'],
];

/** Pod logs: lines derived from pod state (start-up, heartbeat) plus lines events wrote (data upgrade, errors). */
export class LogBook {
  private readonly written = new Map<string, LogLine[]>();
  private readonly errorWindows: ErrorWindow[] = [];

  write(pod: string, line: LogLine): void {
    const lines = this.written.get(pod) ?? [];
    lines.push(line);
    lines.sort((a, b) => a.at - b.at);
    this.written.set(pod, lines);
  }

  /** Server errors while the fault is on; the first lines are backdated so a recent-window check sees them at once. */
  startErrors(pod: string | undefined, at: number): void {
    if (this.errorWindows.some((w) => w.until === undefined)) return;
    this.errorWindows.push({ from: at });
    if (!pod) return;
    this.write(pod, serverLine(at - 150_000, "ERR", "CluedIn.Processing.ClueProcessor", ERROR_MESSAGE));
    this.write(pod, serverLine(at - 90_000, "ERR", "CluedIn.Core.Data.Sql", SQL_ERROR));
    this.write(pod, serverLine(at - 30_000, "FTL", "CluedIn.Core.Jobs.JobServer", FATAL_MESSAGE));
  }

  stopErrors(at: number): void {
    for (const window of this.errorWindows) if (window.until === undefined) window.until = at;
  }

  /** The log of the pod's current container instance (or the previous one), up to `t`. */
  linesFor(pod: PodView, t: number, server: ServerContext | undefined, previous: boolean): LogLine[] | undefined {
    const container = pod.container;
    let start: number;
    let end: number;
    let crashed = false;
    if (previous) {
      const last = container?.lastTerminated;
      if (!last) return undefined;
      start = last.startedAt;
      end = last.finishedAt;
      crashed = true;
    } else if (pod.completed) {
      start = pod.completed.startedAt;
      end = pod.completed.finishedAt;
    } else if (container) {
      start = container.instanceStart;
      end = pod.deletionAt ?? t;
      crashed = container.state.kind === "waiting";
      if (crashed && container.lastTerminated) end = container.lastTerminated.finishedAt;
    } else {
      return [];
    }
    const lines: LogLine[] = [];
    if (server && pod.isServer) lines.push(...serverStartup(start, container?.readyAt ?? Infinity, server));
    else lines.push(...genericStartup(pod, start, container?.readyAt ?? start));
    if (server && pod.isServer) lines.push(...this.heartbeats(pod, start, end, container?.readyAt ?? Infinity, server));
    lines.push(...(this.written.get(pod.name) ?? []).filter((l) => l.at >= start && l.at <= end));
    if (crashed) lines.push(...crashLines(pod, end, container?.lastTerminated?.reason));
    if (pod.probeFailing) lines.push(...waitingForDatabase(start, end));
    if (pod.completed) lines.push({ at: end, text: `${pod.containerName}: completed successfully` });
    if (pod.deletionAt !== undefined && pod.isServer && server) {
      lines.push(serverLine(pod.deletionAt, "INF", "CluedIn.Server.Program", "Application is shutting down..."));
    }
    return lines.filter((l) => l.at <= t).sort((a, b) => a.at - b.at);
  }

  private heartbeats(pod: PodView, start: number, end: number, readyAt: number, server: ServerContext): LogLine[] {
    const lines: LogLine[] = [];
    const from = Math.max(readyAt, end - HEARTBEAT_HORIZON_MS);
    let at = Math.ceil(from / HEARTBEAT_MS) * HEARTBEAT_MS;
    for (let i = 0; at <= end && at >= start; at += HEARTBEAT_MS, i++) {
      const beat = Math.floor(at / HEARTBEAT_MS);
      if (this.inErrorWindow(at) && beat % 4 === 0) {
        lines.push(serverLine(at, "ERR", "CluedIn.Processing.ClueProcessor", ERROR_MESSAGE));
        continue;
      }
      if (server.upgradeMode) {
        lines.push(
          serverLine(
            at,
            "INF",
            "CluedIn.Server.Upgrade",
            "Upgrade mode is active: ingestion and processing are paused",
          ),
        );
        continue;
      }
      const [source, message] = HEARTBEATS[beat % HEARTBEATS.length] ?? HEARTBEATS[0] ?? ["", ""];
      if (smallInt(`${pod.name}/${beat}`, 3) === 0) lines.push(serverLine(at, "INF", source, message));
    }
    return lines;
  }

  private inErrorWindow(at: number): boolean {
    return this.errorWindows.some((w) => at >= w.from && (w.until === undefined || at < w.until));
  }
}

const ERROR_MESSAGE =
  "Failed to process clue 6b0c1f0e-3c1e-4c55-9b8e-1f2d3c4b5a69: System.TimeoutException: The operation has timed out";
const SQL_ERROR =
  "Microsoft.Data.SqlClient.SqlException (0x80131904): Execution Timeout Expired. The timeout period elapsed prior to completion of the operation";
const FATAL_MESSAGE = "Job server stopped unexpectedly: System.OutOfMemoryException: Insufficient memory to continue";
/**
 * The last words of a crashed container. OOMKilled ones end like upgrade-guide/050's `kubectl logs -p` sample
 * ("ERROR OutOfMemoryError: Java heap space", "shutting down due to fatal error").
 */
function crashLines(pod: PodView, end: number, reason: string | undefined): LogLine[] {
  if (reason !== "OOMKilled") return [serverLine(end, "FTL", "CluedIn.Server.Program", CRASH_MESSAGE)];
  if (pod.isServer)
    return [
      serverLine(
        end - 250,
        "FTL",
        "CluedIn.Server.Program",
        "System.OutOfMemoryException: Insufficient memory to continue the execution of the program.",
      ),
    ];
  return [
    { at: end - 2_000, text: `${logStamp(end - 2_000)} INFO  Setting max memory usage to 1.5GiB` },
    { at: end - 2, text: `${logStamp(end - 2)} ERROR OutOfMemoryError: Java heap space` },
    { at: end, text: `${logStamp(end)} INFO  ${pod.containerName} shutting down due to fatal error` },
  ];
}

/** upgrade-guide/050 Scenario 2's sample: the pod runs, but waits for its database and times out. */
function waitingForDatabase(start: number, end: number): LogLine[] {
  const lines: LogLine[] = [];
  for (let at = start + 3_000; at <= end; at += 15_000) {
    lines.push({ at, text: `${rfc3339(at)} WARN Waiting for database connection...` });
    if (at + 15_000 <= end)
      lines.push({
        at: at + 15_000 - 1,
        text: `${rfc3339(at + 15_000)} ERROR Timeout connecting to SQL at cluedin-sqlserver:1433`,
      });
  }
  return lines.slice(-40);
}

/** groundnuty/k8s-wait-for's output while the service it waits for has no ready endpoint. */
export function initContainerLog(pod: PodView, name: string, t: number): string {
  const service = name.replace(/^wait-/, "");
  const start = pod.blockedInit?.view.instanceStart ?? pod.createdAt;
  if (!pod.blockedInit)
    return `[${rfc3339(start)}] service ${service} is ready
`;
  const lines: string[] = [];
  for (let at = start; at <= t && lines.length < 20; at += 2_000)
    lines.push(`[${rfc3339(at)}] Waiting for service ${service}...`);
  return `${lines.join("\n")}\n`;
}

const logStamp = (at: number): string => new Date(at).toISOString().replace("T", " ").replace("Z", "+0000");

const CRASH_MESSAGE =
  "Host terminated unexpectedly: System.InvalidOperationException: Unable to connect to SQL Server 'cluedin-sqlserver' (Login failed for user 'cluedin')";

function serverStartup(start: number, readyAt: number, server: ServerContext): LogLine[] {
  const step = (n: number): number => start + n * 250;
  const lines = [
    serverLine(step(0), "INF", "CluedIn.Server.Program", `Starting CluedIn Server ${server.tag}`),
    serverLine(step(1), "INF", "CluedIn.Server.Program", `CLUEDIN_MODE=${server.upgradeMode ? "upgrade" : "normal"}`),
  ];
  if (server.upgradeMode) {
    lines.push(
      serverLine(
        step(2),
        "WRN",
        "CluedIn.Server.Program",
        "Server is running in upgrade mode: ingestion and processing are disabled",
      ),
    );
  }
  lines.push(
    serverLine(
      step(3),
      "INF",
      "CluedIn.Core.Packages",
      `Restoring ${server.packages.length} packages${server.nugetFullRestore ? " (full restore)" : ""}`,
    ),
  );
  server.packages.forEach((p, i) => {
    lines.push(serverLine(step(4 + i), "INF", "CluedIn.Core.Packages", `Restored package ${p.name} ${p.version}`));
  });
  if (Number.isFinite(readyAt)) lines.push(serverLine(readyAt, "INF", "CluedIn.Server.Program", "Application started"));
  return lines;
}

function genericStartup(pod: PodView, start: number, readyAt: number): LogLine[] {
  const lines: LogLine[] = [{ at: start, text: `${rfc3339Nano(start)} starting ${pod.containerName} (${pod.image})` }];
  if (Number.isFinite(readyAt) && pod.port)
    lines.push({ at: readyAt, text: `${rfc3339Nano(readyAt)} listening on :${pod.port}` });
  return lines;
}
