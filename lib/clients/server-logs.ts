/**
 * Reading CluedIn server logs (REFERENCE §7): lines look like `[#098 05:57:02 ERR][Source] message`; startup says
 * `Application started`; a data upgrade ends with `HTTP POST /api/upgradeto/Version450 responded 200 in 1857.3 ms`.
 */
import type { LogScan } from "./types.js";

const levelPattern = /^\s*\[#\d+ \d{2}:\d{2}:\d{2} (VRB|DBG|INF|WRN|ERR|FTL)\]/;
const dataUpgradePattern = /HTTP POST \/api\/upgradeto\/(\w+) responded (\d{3})/;

/** Error lines kept per scan: the result travels through orchestration history, which must stay small. */
export const maxErrorLines = 50;
const maxLineLength = 500;

export type LogFindings = Omit<LogScan, "windowSeconds">;

export function logLevel(line: string): string | undefined {
  return levelPattern.exec(line)?.[1];
}

function clip(line: string): string {
  return line.length > maxLineLength ? `${line.slice(0, maxLineLength)}…` : line;
}

/** Scans one pod's log text; every kept line passes through `redact` first. */
export function scanServerLog(text: string, redact: (line: string) => string): LogFindings {
  const findings: LogFindings = { errorLines: [], applicationStarted: false };
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === "") continue;
    const level = logLevel(raw);
    if (level === "ERR" || level === "FTL") findings.errorLines.push(clip(redact(raw.trim())));
    if (raw.includes("Application started")) findings.applicationStarted = true;
    const upgrade = dataUpgradePattern.exec(raw);
    if (upgrade?.[1] && upgrade[2]) {
      findings.dataUpgradeResponse = {
        toVersion: upgrade[1],
        status: Number(upgrade[2]),
        line: clip(redact(raw.trim())),
      };
    }
  }
  return findings;
}

/**
 * Combines the findings of several pods: error lines in order (capped, with a closing count of those left out);
 * a successful data upgrade response wins over a failed one, else the last one seen.
 */
export function mergeLogFindings(all: LogFindings[], windowSeconds: number): LogScan {
  const errors = all.flatMap((f) => f.errorLines);
  const errorLines =
    errors.length > maxErrorLines
      ? [...errors.slice(0, maxErrorLines), `… ${errors.length - maxErrorLines} more ERR/FTL lines`]
      : errors;
  const responses = all.flatMap((f) => (f.dataUpgradeResponse ? [f.dataUpgradeResponse] : []));
  const dataUpgradeResponse = responses.find((r) => r.status >= 200 && r.status < 300) ?? responses.at(-1);
  const scan: LogScan = { windowSeconds, errorLines, applicationStarted: all.some((f) => f.applicationStarted) };
  if (dataUpgradeResponse) scan.dataUpgradeResponse = dataUpgradeResponse;
  return scan;
}

/** The CluedIn server pods: label `app=cluedin,role=main` or a name starting `cluedin-server`. */
export function isServerPod(pod: { metadata?: { name?: string; labels?: Record<string, string> } }): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (
    (labels.app === "cluedin" && labels.role === "main") || (pod.metadata?.name ?? "").startsWith("cluedin-server")
  );
}
