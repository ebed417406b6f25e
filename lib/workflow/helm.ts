/**
 * The Helm command of each phase of an upgrade, built from the target release's catalog entry (its page's
 * `helm upgrade` line) and the cluster profile. One function makes the argument vector; the plan, the approval page
 * and the start activity all render it, so what the approver reads is what runs.
 */
import type { HelmCommandSpec, Release } from "../catalog/catalog.js";
import type { ChartSource } from "../config/chart-source.js";
import { helmUpgradeArgs } from "../clients/helm.js";
import { toDisplayLine } from "../clients/shell.js";
import type { HelmPhase } from "./contracts.js";

export const UPGRADE_MODE_KEY = "application.system.upgradeMode";

/** What the plan shows in place of the run's own values file and `--description` marker. */
export const STAND_INS = { valuesFile: "<values file>", marker: "<run marker>" } as const;

/**
 * Finalize as the runbook writes it (upgrade-guide/030-perform-for-the-upgrade.md, "Finalise the upgrade"), for a
 * data upgrade whose page gives no command of its own (2024.07.00 starts its data upgrade from a values key).
 */
const RUNBOOK_FINALIZE: HelmCommandSpec = {
  reuseValues: false,
  extraValuesFiles: [],
  set: {
    [UPGRADE_MODE_KEY]: false,
    "application.system.runDatabaseJobsOnUpgrade": false,
    "application.system.runNugetFullRestore": false,
  },
  wait: false,
};

/** The page's command for a phase: the upgrade for basic and upgrade-mode, the finalize command after. */
export const helmSpecFor = (release: Release, phase: HelmPhase): HelmCommandSpec =>
  phase === "finalize" ? (release.helm.finalize ?? RUNBOOK_FINALIZE) : release.helm.upgrade;

/**
 * The page's `--set` flags with upgrade mode pinned by the phase: a basic upgrade always passes `upgradeMode=false`
 * so a stale `upgradeMode: true` in the user values cannot survive it; finalize leaves upgrade mode whatever its
 * page says. The pinned key keeps its place when the page sets it, else comes last.
 */
export function helmSetFor(spec: HelmCommandSpec, phase: HelmPhase): Record<string, boolean> {
  return { ...spec.set, [UPGRADE_MODE_KEY]: phase === "upgrade-mode" };
}

/** Milliseconds as Go's duration syntax, the way the runbook writes `--timeout 10m0s`. */
export function helmTimeout(ms: number): string {
  const totalSeconds = Math.max(1, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours > 0 ? `${hours}h` : ""}${minutes}m${seconds}s`;
}

export interface HelmCommandInput {
  release: Release;
  phase: HelmPhase;
  /** From the cluster profile. */
  profile: { release: string; namespace: string; helmTimeoutMs: number };
  source: ChartSource;
  /** The run's prepared values file, sent beside the command. */
  valuesFile: string;
  /** Helm's `--description`: the run's marker (lib/workflow/names.ts). */
  description: string;
}

/** `helm upgrade` for one phase: the page's reuse-values, values files, `--set` flags, wait and timeout. */
export function helmUpgradeCommand(input: HelmCommandInput): string[] {
  const spec = helmSpecFor(input.release, input.phase);
  return helmUpgradeArgs({
    release: input.profile.release,
    namespace: input.profile.namespace,
    source: input.source,
    version: input.release.chartVersion,
    reuseValues: spec.reuseValues,
    valuesFiles: [input.valuesFile, ...spec.extraValuesFiles],
    set: helmSetFor(spec, input.phase),
    wait: spec.wait,
    timeout: spec.timeout ?? helmTimeout(input.profile.helmTimeoutMs),
    description: input.description,
  });
}

/** The files of config/values-files/ a phase's command sends beside the run's values file. */
export const extraValuesFilesFor = (release: Release, phase: HelmPhase): string[] =>
  helmSpecFor(release, phase).extraValuesFiles;

/** The Helm phases a release's upgrade runs, in order. */
export const helmPhasesOf = (release: Release): HelmPhase[] =>
  release.dataUpgrade.kind === "none" ? ["basic"] : ["upgrade-mode", "finalize"];

/** The command line the plan and the run's evidence show: the run's values file and marker as stand-ins. */
export function displayHelmCommand(input: HelmCommandInput): string {
  return toDisplayLine(helmUpgradeCommand(input), {
    [input.valuesFile]: STAND_INS.valuesFile,
    [input.description]: STAND_INS.marker,
  });
}
