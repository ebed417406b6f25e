/**
 * Typed builders for the helm and kubectl commands the upgrade runs, and parsers for what they print. Every
 * builder validates its inputs against what a Kubernetes name, chart version or Helm key can be, and returns an
 * argument vector: nothing is ever pasted into a command string.
 */
import { z } from "zod";
import { CLUEDIN_CHART, parseChartSource, type ChartSource } from "../config/chart-source.js";
import { commandFileNamePattern } from "./command-files.js";
import type { QueueDepth } from "./types.js";

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const releaseName = z.string().max(53).regex(dnsLabel, "not a Helm release name");
const namespace = z.string().max(63).regex(dnsLabel, "not a namespace name");
const podName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "not a pod name");
const chartVersion = z.string().regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, "not a chart version");
const goDuration = z.string().regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, "not a duration like 10m0s");
const valuesFile = z.string().regex(commandFileNamePattern, "not a plain file name");
const setKey = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+|\[\d+\])*$/, "not a Helm value path");
// Helm's --set syntax gives commas, braces, brackets, backslashes and quotes a meaning of their own.
const setString = z.string().regex(/^[A-Za-z0-9_.:/@+ -]*$/, "holds characters --set-string would interpret");
const description = z
  .string()
  .max(512)
  .regex(/^[^\p{Cc}]*$/u, "holds control characters");

const chartSource = z.custom<ChartSource>(
  (value) => {
    const source = value as ChartSource | undefined;
    const parsed = typeof source?.url === "string" ? parseChartSource(source.url) : undefined;
    return parsed?.ok === true && parsed.source.kind === source?.kind && parsed.source.url === source.url;
  },
  { message: "not a chart source (https:// repository or oci:// registry, without credentials)" },
);

/** The chart as helm is told where to find it: `cluedin-platform --repo <url>`, or `oci://<registry path>/cluedin-platform`. */
export function chartRefArgs(source: ChartSource): string[] {
  const checked = chartSource.parse(source);
  return checked.kind === "repo"
    ? [CLUEDIN_CHART, "--repo", checked.url]
    : [`${checked.url.replace(/\/+$/, "")}/${CLUEDIN_CHART}`];
}

const helmUpgradeSchema = z.object({
  release: releaseName,
  namespace,
  source: chartSource,
  version: chartVersion,
  reuseValues: z.boolean(),
  /** The run's values file first, then the release page's further files (2024.12: elasticsearch-upgrade.yml). */
  valuesFiles: z.array(valuesFile).min(1).max(8),
  set: z.record(setKey, z.union([setString, z.boolean()])),
  wait: z.boolean(),
  timeout: goDuration,
  description,
});
export type HelmUpgradeOptions = z.infer<typeof helmUpgradeSchema>;

/**
 * `helm upgrade` as the release pages write it (`helm upgrade <release> -n <ns> <chart> --version … [--reuse-values]
 * --values … --set …`), with the chart's source named on the command instead of a configured repository.
 */
export function helmUpgradeArgs(options: HelmUpgradeOptions): string[] {
  const o = helmUpgradeSchema.parse(options);
  const sets = Object.entries(o.set).flatMap(([key, value]) =>
    typeof value === "boolean" ? ["--set", `${key}=${value}`] : ["--set-string", `${key}=${value}`],
  );
  return [
    "helm",
    "upgrade",
    o.release,
    "-n",
    o.namespace,
    ...chartRefArgs(o.source),
    "--version",
    o.version,
    ...(o.reuseValues ? ["--reuse-values"] : []),
    ...o.valuesFiles.flatMap((file) => ["--values", file]),
    ...sets,
    ...(o.wait ? ["--wait"] : []),
    "--timeout",
    o.timeout,
    "--description",
    o.description,
  ];
}

/** `helm show chart`: proves the chart version resolves from the source, the way the upgrade will fetch it. */
export function helmShowChartArgs(options: { source: ChartSource; version: string }): string[] {
  const version = chartVersion.parse(options.version);
  return ["helm", "show", "chart", ...chartRefArgs(options.source), "--version", version];
}

const helmRollbackSchema = z.object({
  release: releaseName,
  namespace,
  revision: z.number().int().positive(),
  wait: z.boolean(),
  timeout: goDuration,
});
export type HelmRollbackOptions = z.infer<typeof helmRollbackSchema>;

/** `helm rollback <release> <revision>`; Helm 3 records the description itself ("Rollback to N"). */
export function helmRollbackArgs(options: HelmRollbackOptions): string[] {
  const o = helmRollbackSchema.parse(options);
  return [
    "helm",
    "rollback",
    o.release,
    String(o.revision),
    "-n",
    o.namespace,
    ...(o.wait ? ["--wait"] : []),
    "--timeout",
    o.timeout,
  ];
}

const rabbitmqSchema = z.object({ namespace, pod: podName });

/** Queue depths from inside the RabbitMQ pod, as JSON (`parseRabbitmqQueues` also reads the table format). */
export function rabbitmqListQueuesArgs(options: { namespace: string; pod: string }): string[] {
  const o = rabbitmqSchema.parse(options);
  return [
    "kubectl",
    "exec",
    "-n",
    o.namespace,
    o.pod,
    "--",
    "rabbitmqctl",
    "list_queues",
    "--quiet",
    "--formatter",
    "json",
    "name",
    "messages",
    "consumers",
  ];
}

export class CommandOutputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CommandOutputError";
  }
}

const queueJsonSchema = z.array(
  z.object({ name: z.string(), messages: z.coerce.number().int(), consumers: z.coerce.number().int() }),
);
/** Lines rabbitmqctl and `kubectl exec` print around the listing (Run Command merges stderr into the logs). */
const rabbitmqNoise =
  /^(Timeout:|Listing queues|name\s+messages\s+consumers\s*$|Defaulted container|Unable to use a TTY|warning:|W\d{4} )/i;

/**
 * Queue depths from `rabbitmqctl list_queues name messages consumers`, either `--formatter json` output or the
 * tab-separated table. Throws CommandOutputError on anything else: an unreadable answer must never pass for "empty".
 */
export function parseRabbitmqQueues(output: string): QueueDepth[] {
  const lines = output.split(/\r?\n/).map((line) => line.trim());
  const jsonStart = lines.findIndex((line) => line.startsWith("["));
  if (jsonStart >= 0) {
    const jsonEnd = lines.findLastIndex((line) => line.endsWith("]"));
    const text = lines.slice(jsonStart, Math.max(jsonStart, jsonEnd) + 1).join("\n");
    try {
      return queueJsonSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new CommandOutputError(`rabbitmqctl JSON output is not a queue list: ${text.slice(0, 120)}`, {
        cause: error,
      });
    }
  }
  const queues: QueueDepth[] = [];
  for (const line of lines) {
    if (line === "" || rabbitmqNoise.test(line)) continue;
    const row = /^(.+?)\t+(\d+)\t+(\d+)$/.exec(line);
    if (!row?.[1] || !row[2] || !row[3]) {
      throw new CommandOutputError(`unexpected rabbitmqctl output line: ${line.slice(0, 120)}`);
    }
    queues.push({ name: row[1], messages: Number(row[2]), consumers: Number(row[3]) });
  }
  return queues;
}

export type HelmFailureKind =
  | "operation-in-progress"
  | "timeout"
  | "source-unreachable"
  | "chart-not-found"
  | "invalid-values"
  | "no-deployed-release"
  | "other";

export interface HelmFailure {
  kind: HelmFailureKind;
  /** The last `Error:` line, the one helm exits with. */
  message: string;
  lines: string[];
}

/** The `Error: ...` lines helm printed (`Error: UPGRADE FAILED: ...`). */
export function helmErrorLines(logs: string): string[] {
  return logs
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith("Error: "));
}

const failureKinds: [HelmFailureKind, RegExp][] = [
  ["operation-in-progress", /another operation \(install\/upgrade\/rollback\) is in progress/i],
  ["timeout", /context deadline exceeded|timed out waiting for the condition/i],
  // helm/helm pkg/repo/chartrepo.go and pkg/getter: the repository's index or the registry could not be read.
  [
    "source-unreachable",
    /is not a valid chart repository or cannot be reached|no such host|connection refused|could not find protocol handler|i\/o timeout|x509:|unauthorized|401 Unauthorized|403 Forbidden/i,
  ],
  [
    "chart-not-found",
    /chart "[^"]*"( version "[^"]*")? not found|not found in \S+ (index|repository)|failed to download|no chart version found|FetchReference.*not found/i,
  ],
  ["invalid-values", /YAML parse error|error converting YAML|cannot unmarshal|values don't meet the specifications/i],
  ["no-deployed-release", /has no deployed releases/i],
];

export function classifyHelmError(line: string): HelmFailureKind {
  return failureKinds.find(([, pattern]) => pattern.test(line))?.[0] ?? "other";
}

/** What made helm fail, from its output; undefined when it printed no error. */
export function parseHelmFailure(logs: string): HelmFailure | undefined {
  const lines = helmErrorLines(logs);
  const message = lines.at(-1);
  return message === undefined ? undefined : { kind: classifyHelmError(message), message, lines };
}
