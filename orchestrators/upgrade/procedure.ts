/**
 * A release page's own steps around the Helm upgrade (catalog `procedure`): `beforeHelm` after the downtime notice
 * and before the first Helm change, `afterHelm` once the Helm upgrade succeeded and before verification. The steps
 * run as one command (lib/workflow/procedure.ts); each step's result is recorded as evidence. The plan shows the
 * same steps, so a release without any skips this without calling anything.
 */
import type { PlanStep } from "../../lib/plan/index.js";
import { describeProcedure, procedureResults, type ProcedurePhase } from "../../lib/workflow/procedure.js";
import { call, type Flow } from "../calls.js";
import { watchShortCommand } from "../monitor.js";
import { transientRetry } from "../retry.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import type { RunEnd, Target, UpgradeRun } from "./run.js";

/** kubectl deletes and applies answer in seconds; a list that has not ended in this time counts as failed. */
const PROCEDURE_BUDGET_MS = 15 * 60_000;

export interface ProcedureOutcome {
  ok: boolean;
  summary: string;
  /** The steps that ran to completion: what changed on the cluster. */
  done: string[];
}

const STAGE = { beforeHelm: "before-helm", afterHelm: "after-helm" } as const;

/** The steps this run takes for `phase`: none in runs started before procedure steps existed. */
export const stepsOf = (run: UpgradeRun, target: Target, phase: ProcedurePhase): readonly PlanStep[] =>
  startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.procedureSteps) ? (target.plan.commands?.[phase] ?? []) : [];

export function* runProcedure(run: UpgradeRun, target: Target, phase: ProcedurePhase): Flow<ProcedureOutcome> {
  const stage = STAGE[phase];
  run.record.startStage(stage, `${stepsOf(run, target, phase).length} step(s) from the release page`);
  const started = yield* call(
    run.activities.startProcedure,
    { cluster: run.cluster, targetRelease: target.plan.toRelease, phase },
    transientRetry,
  );
  if (!started.ok || !started.handle) {
    const summary = started.ok ? "no steps to run" : `not started: ${started.reason}`;
    run.record.endStage(stage, started.ok ? "skipped" : "failed", summary);
    return { ok: started.ok, summary, done: [] };
  }
  const watched = yield* watchShortCommand(run.deps.monitor, {
    cluster: run.cluster,
    handle: started.handle,
    intervalMs: run.policy.pollIntervalMs,
    now: run.now,
    budgetMs: PROCEDURE_BUDGET_MS,
  });
  const poll = watched.observation;
  const ended =
    poll?.state === "done"
      ? poll
      : {
          state: "done" as const,
          exitCode: -1,
          logs: `no result within ${PROCEDURE_BUDGET_MS / 60_000} min: ${watched.summary}`,
          finishedAt: run.now.toISOString(),
        };
  const results = procedureResults(started.steps, ended);
  run.record.procedureSteps(results.map((result) => ({ phase, ...result })));
  const summary = describeProcedure(phase, results);
  const ok = results.every((r) => r.outcome === "done");
  run.record.endStage(stage, ok ? "succeeded" : "failed", summary);
  return { ok, summary, done: results.filter((r) => r.outcome === "done").map((r) => r.id) };
}

/**
 * The page's steps after a successful Helm upgrade, before verification; undefined to go on. Helm's work stands
 * (rolling it back would not undo a step), so a failed step ends the run failed with what is left to do by hand.
 */
export function* afterHelm(run: UpgradeRun, target: Target): Flow<RunEnd | undefined> {
  if (stepsOf(run, target, "afterHelm").length === 0) return undefined;
  const after = yield* runProcedure(run, target, "afterHelm");
  if (after.ok) return undefined;
  return {
    status: "failed",
    reason: `the Helm upgrade to ${target.plan.toRelease} succeeded, but ${after.summary}; finish the release page's remaining steps by hand, then verify`,
  };
}
