/**
 * From a deployed Helm revision to a plan and the prepared values file: the one path that the plan route, the
 * prepare activity and the helm start activity all take, so the file that is approved is the file that is applied.
 */
import { isMap, isScalar, isSeq, parseDocument, stringify, type Node } from "yaml";
import { findRelease, identifyRunningRelease, type Release, type ReleaseCatalog } from "../catalog/index.js";
import type { HelmRevision, HelmRevisionWithValues } from "../clients/types.js";
import { clusterSummary, type ClusterProfile } from "../config/clusters.js";
import { describeChartSource } from "../config/chart-source.js";
import { buildPlan, type Plan, type PlanCommands } from "../plan/index.js";
import { secretPaths } from "../redaction/index.js";
import {
  checkPreparedValues,
  checkReleaseJump,
  finding,
  parseValues,
  prepareValues,
  type Change,
  type Finding,
  type PrepareResult,
  scalarReader,
  valuesFileName,
} from "../values/index.js";
import { displayHelmCommand, helmPhasesOf, STAND_INS } from "./helm.js";
import { plannedSteps } from "./procedure.js";

export interface PlanningInput {
  catalog: ReleaseCatalog;
  profile: ClusterProfile;
  source: HelmRevisionWithValues;
  targetRelease: string;
  extraValues?: string;
  /** The release's last revision when it is stuck in pending-*: a blocker until it is rolled back. */
  stuck?: HelmRevision;
}

export type PlanningResult =
  { ok: true; plan: Plan; preparedValues: string } | { ok: false; plan?: Plan; blockers: Finding[] };

/** Keys the upgrade sets itself: extra values may not fight it over them. */
const MANAGED_PATHS = ["global.image.tag", "application.system", "application.cluedin.components.packages"];

/** Problems with extra user values; empty when they may be merged over a prepared file. */
export function checkExtraValues(text: string): Finding[] {
  const parsed = parseValues(text);
  if (!parsed.ok) return parsed.blockers;
  const secrets = secretPaths(parsed.values.data);
  const problems: Finding[] = secrets.map((path) =>
    finding("extra-values-secret", `${path} holds a secret value; it would be stored in the run's history`, { path }),
  );
  for (const [path] of leaves(parsed.values.data))
    if (
      MANAGED_PATHS.some(
        (managed) => path === managed || path.startsWith(`${managed}.`) || path.startsWith(`${managed}[`),
      )
    )
      problems.push(finding("extra-values-managed-key", `${path} is set by the upgrade itself`, { path }));
  return problems;
}

function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    leaves(child, prefix ? `${prefix}.${key}` : key),
  );
}

/** What merging `extraText` sets, as plan changes: the plan shows the app's changes only, and these are its too. */
function extraValueChanges(preparedText: string, extraText: string): Change[] {
  const prepared = parseDocument(preparedText);
  const shown = (value: unknown): string =>
    value !== null && typeof value === "object" ? stringify(value, { flow: true }).trim() : String(value);
  const extra = parseValues(extraText);
  if (!extra.ok) return [];
  return leaves(extra.values.data).map(([path, value]): Change => {
    const before: unknown = prepared.getIn(path.split("."));
    // A collection replaced by a leaf is the user's own data: named, never shown.
    const from = isMap(before) ? "(a mapping)" : isSeq(before) ? "(a list)" : before;
    return {
      kind: before === undefined ? "added" : "set",
      path,
      ...(from === undefined ? {} : { from: shown(from) }),
      to: shown(value),
      reason: "extra values of the request",
    };
  });
}

/** Sets every leaf of `extraText` in `preparedText`, keeping the prepared file's comments and order. */
function mergeExtraValues(preparedText: string, extraText: string): string {
  const doc = parseDocument(preparedText);
  const extra = parseDocument(extraText).contents;
  const visit = (node: Node | null, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value as Node | null, [...path, key]);
      }
    } else if (isSeq(node) || isScalar(node)) doc.setIn(path, node);
  };
  visit(extra, []);
  return doc.toString();
}

/** What the run will execute for `target` on this cluster, rendered as the start activities render it. */
export function planCommands(target: Release, profile: ClusterProfile, valuesFile: string): PlanCommands {
  const command = {
    release: target,
    profile: { release: profile.release, namespace: profile.namespace, helmTimeoutMs: profile.timings.helmTimeout },
    source: profile.chartSource,
    valuesFile,
    description: STAND_INS.marker,
  };
  return {
    chartSource: describeChartSource(profile.chartSource),
    helm: helmPhasesOf(target).map((phase) => ({ phase, command: displayHelmCommand({ ...command, phase }) })),
    beforeHelm: plannedSteps(target.procedure.beforeHelm, profile.namespace),
    afterHelm: plannedSteps(target.procedure.afterHelm, profile.namespace),
  };
}

export function planUpgrade(input: PlanningInput): PlanningResult {
  const { catalog, profile, source, targetRelease } = input;
  const running = identifyRunningRelease(catalog, {
    valueAt: scalarReader(source.valuesYaml),
    chartVersion: source.chartVersion,
  });
  const runningFindings = running.findings.map((f) => finding(f.code, f.message));
  if (running.tag === undefined)
    return {
      ok: false,
      blockers: [
        finding(
          "unknown-source-release",
          `the values name no release (global.image.tag) and chart ${source.chartVersion} is not in the catalog`,
        ),
      ],
    };
  const sourceRelease = running.tag;
  const jump = checkReleaseJump(catalog, sourceRelease, targetRelease, { allowChain: true });
  const target = findRelease(catalog, targetRelease);
  if (!target || jump.hops.length === 0)
    return { ok: false, blockers: jump.findings.filter((f) => f.severity === "blocker") };

  const findings: Finding[] = [...runningFindings, ...jump.findings];
  if (input.stuck)
    findings.push(
      finding(
        "release-pending",
        `revision ${input.stuck.revision} is ${input.stuck.status}: roll back to revision ${source.revision} first`,
      ),
    );
  let prepared: PrepareResult = prepareValues({
    valuesText: source.valuesYaml,
    sourceRelease,
    ...(running.release ? { source: running.release } : {}),
    target,
    environment: profile.environment,
  });
  if (prepared.ok && input.extraValues) {
    const problems = checkExtraValues(input.extraValues);
    if (problems.length > 0) findings.push(...problems);
    else
      prepared = {
        ...prepared,
        text: mergeExtraValues(prepared.text, input.extraValues),
        changes: [...prepared.changes, ...extraValueChanges(prepared.text, input.extraValues)],
      };
  }
  if (prepared.ok) {
    // The consistency check re-reads the prepared file: what preparation already reported is not said twice.
    const known = new Set(prepared.warnings.map((w) => `${w.code}@${w.path ?? ""}`));
    findings.push(...checkPreparedValues(prepared.text, target).filter((f) => !known.has(`${f.code}@${f.path ?? ""}`)));
  }

  const plan = buildPlan({
    cluster: clusterSummary(profile),
    current: {
      release: sourceRelease,
      chartVersion: source.chartVersion,
      revision: source.revision,
      valuesText: source.valuesYaml,
    },
    target,
    hops: jump.hops,
    prepared,
    findings,
    commands: planCommands(
      target,
      profile,
      prepared.ok ? prepared.fileName : valuesFileName(profile.environment, target.tag),
    ),
  });
  if (!prepared.ok || !plan.ready) return { ok: false, plan, blockers: plan.blockers };
  return { ok: true, plan, preparedValues: prepared.text };
}
