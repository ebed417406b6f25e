/**
 * The data upgrade's steps as a pure transition function: which step runs next, after a step ends or after an
 * operator answers a halt. Runbook: Helm upgrade in upgrade mode, the `DataUpgrade` resource and its answer, then
 * Helm upgrade again out of upgrade mode. Once it has begun there is no automatic rollback: a failed step halts and
 * an operator chooses to retry it, to finalize anyway (leave upgrade mode), or to stop.
 */
export const DATA_UPGRADE_STEPS = ["upgrade-mode", "data-upgrade", "finalize"] as const;
export type DataUpgradeStep = (typeof DATA_UPGRADE_STEPS)[number];

export interface DataUpgradeProgress {
  readonly step: DataUpgradeStep;
  readonly attempts: Readonly<Record<DataUpgradeStep, number>>;
}

export type DataUpgradeEvent =
  | { kind: "step-ended"; ok: boolean; cancelRequested: boolean }
  | { kind: "operator-answered"; choice: string; timedOut: boolean };

export type DataUpgradeMove =
  /** Run `step`; a Helm step left pending by a dead helm must be cleared (rolled back) first. */
  | { kind: "run"; step: DataUpgradeStep; attempt: number; clearPendingFirst: boolean }
  /** The step failed: halt in upgrade mode and ask an operator. */
  | { kind: "ask"; step: DataUpgradeStep }
  /** Out of upgrade mode: verify the release. */
  | { kind: "verify" }
  /** End the run halted, still in upgrade mode. */
  | { kind: "halt"; step: DataUpgradeStep; why: "cancelled" | "stopped" | "no-decision" };

export interface DataUpgradeTurn {
  progress: DataUpgradeProgress;
  move: DataUpgradeMove;
}

const NEXT: Record<Exclude<DataUpgradeStep, "finalize">, DataUpgradeStep> = {
  "upgrade-mode": "data-upgrade",
  "data-upgrade": "finalize",
};

function run(progress: DataUpgradeProgress, step: DataUpgradeStep, clearPendingFirst: boolean): DataUpgradeTurn {
  const attempts = { ...progress.attempts, [step]: progress.attempts[step] + 1 };
  return { progress: { step, attempts }, move: { kind: "run", step, attempt: attempts[step], clearPendingFirst } };
}

export function beginDataUpgrade(): DataUpgradeTurn {
  return run(
    { step: "upgrade-mode", attempts: { "upgrade-mode": 0, "data-upgrade": 0, finalize: 0 } },
    "upgrade-mode",
    false,
  );
}

/** Rules that changed between orchestration versions (lib/workflow/version.ts BEHAVIOUR_SINCE). */
export interface DataUpgradeRules {
  clearPendingBeforeFinalizeAnyway: boolean;
}

const CURRENT_RULES: DataUpgradeRules = { clearPendingBeforeFinalizeAnyway: true };

export function nextDataUpgradeMove(
  progress: DataUpgradeProgress,
  event: DataUpgradeEvent,
  rules: DataUpgradeRules = CURRENT_RULES,
): DataUpgradeTurn {
  const { step } = progress;
  if (event.kind === "step-ended") {
    if (!event.ok) return { progress, move: { kind: "ask", step } };
    if (step === "finalize") return { progress, move: { kind: "verify" } };
    if (event.cancelRequested) return { progress, move: { kind: "halt", step, why: "cancelled" } };
    return run(progress, NEXT[step], false);
  }
  // A failed Helm step may have left the release pending-*: helm refuses the next upgrade until it is cleared.
  const helmStepFailed = step !== "data-upgrade";
  if (event.choice === "retry") return run(progress, step, helmStepFailed);
  if (event.choice === "finalize")
    return run(progress, "finalize", helmStepFailed && rules.clearPendingBeforeFinalizeAnyway);
  return { progress, move: { kind: "halt", step, why: event.timedOut ? "no-decision" : "stopped" } };
}
