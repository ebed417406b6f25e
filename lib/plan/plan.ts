/**
 * The plan of one upgrade: what changes (release, chart, mode, values), what stands in the way, how long users wait.
 * It travels through orchestration history, e-mails and the approval page, so it is redacted, deterministic (same
 * input, same JSON) and small: the values diff is cut to fit a budget and its sha256 names the full diff.
 *
 * The diff is built from the app's own changes only, never from the user's file: values files hold secrets under
 * keys no heuristic knows, and any line of context could be one. A value at a path the app does not change is never
 * shown; a value that is shown (before and after, at a changed path) passes the redactor.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { applicableAdvisories, modeFor, type DataUpgrade, type Release, type UpgradeMode } from "../catalog/catalog.js";
import type { ClusterSummary } from "../config/clusters.js";
import type { PlanCommands } from "./commands.js";
import { collectSecretValues, REDACTED, textRedactor } from "../redaction/redact.js";
import { isSecretKey } from "../redaction/secret-keys.js";
import type { Finding } from "../values/findings.js";
import { valuesFileName, type Change, type PrepareResult } from "../values/prepare.js";
import { parseDottedPath, readValueAt } from "../values/yaml-paths.js";

/** Orchestration payloads stay well under Azure Storage's 45 KB message limit (REFERENCE §2). */
export const MAX_PLAN_BYTES = 16_000;
const MAX_ITEMS = 40;
const MAX_MESSAGE_CHARS = 400;
/** Room kept for the diff when many findings compete for the budget. */
const DIFF_RESERVE_BYTES = 4_000;

export interface CurrentRelease {
  release: string;
  chartVersion: string;
  revision: number;
  valuesText: string;
}

export interface PlanInput {
  cluster: ClusterSummary;
  current: CurrentRelease;
  target: Release;
  /** From `planPath` / `checkReleaseJump`: the target last; one hop for a direct upgrade. */
  hops: readonly Release[];
  prepared: PrepareResult;
  /** Findings from elsewhere: the release jump check, the state of the Helm release. */
  findings?: readonly Finding[];
  /** The commands the run will execute (lib/workflow/helm.ts, procedure.ts). */
  commands?: PlanCommands;
}

export interface PlanHop {
  release: string;
  chartVersion: string;
  mode: UpgradeMode;
}

/** The package list against the target release's page, counted: the names of packages not installed stay out. */
export interface PlanPackages {
  /** Installed packages moved to the page's version. */
  updated: number;
  /** Installed packages already at it. */
  unchanged: number;
  /** Installed `CluedIn.*` packages the page does not list (kept; each is also a warning). */
  notListed: string[];
  /** How many packages the page lists that the values do not install: never added. */
  notInstalled: number;
  /** The page that lists them. */
  page: string;
}

/** An optional or manual step of a hop's release page that applies to these values; the tool never runs it. */
export interface PlanAdvisory {
  release: string;
  id: string;
  text: string;
}

export interface Plan {
  cluster: ClusterSummary;
  fromRelease: string;
  fromChart: string;
  fromRevision: number;
  toRelease: string;
  toChart: string;
  mode: UpgradeMode;
  dataUpgrade: DataUpgrade;
  hops: PlanHop[];
  valuesFile: string;
  /**
   * The changed paths as a diff: `-path: before` and `+path: after` lines (YAML scalars, redacted), one pair per
   * change, under `---`/`+++` file names; no context from the user's file. Cut to fit, with a note, when long.
   */
  diff: string;
  /** sha256 (hex) of the whole diff as built (what `diff` shows when not cut). */
  diffSha256: string;
  diffTruncated: boolean;
  changes: Change[];
  warnings: Finding[];
  blockers: Finding[];
  /** How many changes, warnings and blockers were left out to keep the plan small. */
  omitted: { changes: number; warnings: number; blockers: number };
  /** Absent when the values could not be prepared. */
  packages?: PlanPackages;
  advisories: PlanAdvisory[];
  expectedDowntimeMinutes: number;
  releaseNotesUrl: string;
  /** What will run, verbatim; absent from plans made before the commands were shown. */
  commands?: PlanCommands;
  /** No blockers: the upgrade may be offered for approval. */
  ready: boolean;
  /** The claims the snapshot stage will cover, set once the volumes are inventoried; absent when none is taken. */
  snapshots?: SnapshotCoverage;
  /** The images pulled onto the nodes before the downtime, and what each node lacks (lib/workflow/prepull.ts). */
  prePull?: PrePullPlan;
}

/** Kept small (the run's view carries the plan): the image list itself is in the run's evidence. */
export interface PrePullPlan {
  mode: "best-effort" | "required" | "off";
  /** How many images the target release runs that follow its tag. */
  images: number;
  nodes: { name: string; missing: number; bytes: number }[];
}

export interface SnapshotCoverage {
  className: string;
  covered: { pvc: string; size?: string }[];
  uncovered: { pvc: string; reason: string; waived: boolean }[];
}

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), "utf8");
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function buildPlan(input: PlanInput): Plan {
  const { cluster, current, target, prepared } = input;
  const hops = input.hops.length > 0 ? input.hops : [target];
  // Anything read from the values may echo one of its secrets: the messages go through the same redaction.
  const redact = textRedactor(collectSecretValues(readValueAt(current.valuesText, []) ?? {}));
  const fromFile = valuesFileName(cluster.environment, current.release);
  const toFile = prepared.ok ? prepared.fileName : valuesFileName(cluster.environment, target.tag);
  const cleanFinding = (f: Finding): Finding => ({ ...f, message: clip(redact(f.message), MAX_MESSAGE_CHARS) });
  const allFindings = [...(input.findings ?? []), ...(prepared.ok ? [] : prepared.blockers), ...prepared.warnings];
  const blockers = allFindings.filter((f) => f.severity === "blocker").map(cleanFinding);
  const warnings = allFindings.filter((f) => f.severity === "warning").map(cleanFinding);
  const changes = (prepared.ok ? prepared.changes : []).map((change) => redactChange(change, redact));
  const fullDiff = prepared.ok ? changesDiff(fromFile, toFile, changes) : "";

  const base: Omit<Plan, "changes" | "warnings" | "blockers" | "omitted"> = {
    cluster,
    fromRelease: current.release,
    fromChart: current.chartVersion,
    fromRevision: current.revision,
    toRelease: target.tag,
    toChart: target.chartVersion,
    mode: modeFor(target),
    dataUpgrade: target.dataUpgrade,
    hops: hops.map((hop) => ({ release: hop.tag, chartVersion: hop.chartVersion, mode: modeFor(hop) })),
    valuesFile: toFile,
    diff: "",
    diffSha256: sha256(fullDiff),
    diffTruncated: false,
    ...(prepared.ok
      ? {
          packages: {
            updated: prepared.packages.updated,
            unchanged: prepared.packages.unchanged,
            notListed: prepared.packages.notListed.slice(0, MAX_ITEMS).map((name) => clip(name, 100)),
            notInstalled: prepared.packages.notInstalled.length,
            page: target.source.url,
          },
        }
      : {}),
    advisories: hops.flatMap((hop) =>
      applicableAdvisories(hop, (path) => readValueAt(current.valuesText, path) !== undefined).map((a) => ({
        release: hop.tag,
        id: a.id,
        text: a.text,
      })),
    ),
    expectedDowntimeMinutes: hops.reduce((minutes, hop) => minutes + hop.expectedDowntimeMinutes, 0),
    releaseNotesUrl: target.releaseNotesUrl,
    ...(input.commands ? { commands: input.commands } : {}),
    ready: blockers.length === 0,
  };
  const shown = {
    changes: Math.min(MAX_ITEMS, changes.length),
    warnings: Math.min(MAX_ITEMS, warnings.length),
    blockers: Math.min(MAX_ITEMS, blockers.length),
  };
  const assemble = (): Plan => ({
    ...base,
    changes: changes.slice(0, shown.changes),
    warnings: warnings.slice(0, shown.warnings),
    blockers: blockers.slice(0, shown.blockers),
    omitted: {
      changes: changes.length - shown.changes,
      warnings: warnings.length - shown.warnings,
      blockers: blockers.length - shown.blockers,
    },
  });
  let plan = assemble();
  // Warnings give way first, then changes; the first blocker always stays.
  while (jsonBytes(plan) > MAX_PLAN_BYTES - DIFF_RESERVE_BYTES) {
    const list = (["warnings", "changes", "blockers"] as const).find(
      (name) => shown[name] > (name === "blockers" ? 1 : 0),
    );
    if (!list) break;
    shown[list] -= 1;
    plan = assemble();
  }
  return fitDiff(plan, fullDiff);
}

/** Release-specific values could in principle be secrets: a change under a secret key shows no value. */
function redactChange(change: Change, redact: (text: string) => string): Change {
  const secret = parseDottedPath(change.path).some((key) => typeof key === "string" && isSecretKey(key));
  const shown = (value: string | undefined): string | undefined =>
    value === undefined ? undefined : secret ? REDACTED : clip(redact(value), 200);
  const from = shown(change.from);
  const to = shown(change.to);
  return {
    kind: change.kind,
    path: change.path,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    reason: clip(redact(change.reason), 300),
  };
}

/** A value on one line, as YAML writes it; JSON-quoted when it holds a line break or another control character. */
const oneLine = (value: string): string =>
  [...value].some((c) => c < " " || c === "\u007f")
    ? JSON.stringify(value)
    : stringify(value, { lineWidth: 0 }).trimEnd();

/** A diff of the (already redacted) changes alone: the user's other lines never reach it. */
function changesDiff(fromFile: string, toFile: string, changes: readonly Change[]): string {
  const lines = [`--- ${fromFile}`, `+++ ${toFile}`];
  for (const change of changes) {
    if (change.from !== undefined) lines.push(`-${change.path}: ${oneLine(change.from)}`);
    if (change.to !== undefined) lines.push(`+${change.path}: ${oneLine(change.to)}`);
  }
  return changes.length === 0 ? "" : lines.join("\n");
}

/** The most whole lines of the diff that keep the plan within its byte budget, then a note on what was cut. */
function fitDiff(plan: Plan, diff: string): Plan {
  const whole = { ...plan, diff };
  if (jsonBytes(whole) <= MAX_PLAN_BYTES) return whole;
  const lines = diff.split("\n");
  const cut = (kept: number): Plan => ({
    ...plan,
    diff: [
      ...lines.slice(0, kept),
      `… diff truncated: ${lines.length - kept} more line(s); the full diff has the plan's diffSha256`,
    ].join("\n"),
    diffTruncated: true,
  });
  let fits = 0;
  let tooMany = lines.length;
  while (tooMany - fits > 1) {
    const middle = Math.floor((fits + tooMany) / 2);
    if (jsonBytes(cut(middle)) <= MAX_PLAN_BYTES) fits = middle;
    else tooMany = middle;
  }
  return cut(fits);
}

export interface PlanSummary {
  cluster: string;
  from: string;
  to: string;
  chart: string;
  mode: UpgradeMode;
  hops: number;
  ready: boolean;
  blockers: number;
  warnings: number;
  changes: number;
  diffSha256: string;
  /** The first blocker, clipped: the one line a status page shows. */
  firstBlocker?: string;
}

/** A few hundred bytes for the orchestration's custom status. */
export function planSummary(plan: Plan): PlanSummary {
  const first = plan.blockers[0];
  return {
    cluster: plan.cluster.name,
    from: plan.fromRelease,
    to: plan.toRelease,
    chart: `${plan.fromChart} -> ${plan.toChart}`,
    mode: plan.mode,
    hops: plan.hops.length,
    ready: plan.ready,
    blockers: plan.blockers.length + plan.omitted.blockers,
    warnings: plan.warnings.length + plan.omitted.warnings,
    changes: plan.changes.length + plan.omitted.changes,
    diffSha256: plan.diffSha256,
    ...(first ? { firstBlocker: clip(`${first.code}: ${first.message}`, 120) } : {}),
  };
}
