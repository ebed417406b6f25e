/**
 * Runbook: "Perform Helm upgrade with data upgrade". The steps and what follows each are decided by
 * lib/workflow/dataUpgrade.ts; this module runs them. Once the data upgrade has begun there is no automatic
 * rollback: a failed step halts in upgrade mode, tells the operators and waits for their choice.
 */
import { haltedNotice, haltedQuestion } from "../../lib/notifications/wording.js";
import type { ApplyDataUpgradeResult } from "../../lib/workflow/contracts.js";
import {
  beginDataUpgrade,
  nextDataUpgradeMove,
  type DataUpgradeMove,
  type DataUpgradeRules,
  type DataUpgradeStep,
} from "../../lib/workflow/dataUpgrade.js";
import { dataUpgradeEvidence } from "../../lib/workflow/evidence.js";
import { dataUpgradeName } from "../../lib/workflow/names.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { call, type Flow } from "../calls.js";
import { scheduleMonitor } from "../monitor.js";
import { transientRetry } from "../retry.js";
import { decide } from "./decisions.js";
import { describeError } from "./errors.js";
import { notify } from "./finish.js";
import { clearPendingRelease, helmUpgrade } from "./helm.js";
import { afterHelm } from "./procedure.js";
import type { RunEnd, Target, UpgradeRun } from "./run.js";
import { watchPods } from "./pods.js";
import { verify } from "./verify.js";

interface StepResult {
  ok: boolean;
  summary: string;
}

type DataUpgradePlan = Extract<Target["plan"]["dataUpgrade"], { toVersion: string }>;

export function* dataUpgrade(run: UpgradeRun, target: Target): Flow<RunEnd> {
  const { plan } = target;
  if (plan.dataUpgrade.kind === "none")
    return { status: "failed", reason: `the catalog gives no data upgrade for ${plan.toRelease}` };
  const spec = plan.dataUpgrade;
  let downFrom = run.now;
  let finalizedFrom: Date | undefined;
  let failure = "";
  const rules: DataUpgradeRules = {
    clearPendingBeforeFinalizeAnyway: startedAtLeast(
      run.context.df.version,
      BEHAVIOUR_SINCE.clearPendingBeforeFinalizeAnyway,
    ),
  };
  let turn = beginDataUpgrade();
  for (;;) {
    const move = turn.move;
    if (move.kind === "verify") {
      const stepsFailed = yield* afterHelm(run, target);
      if (stepsFailed) return stepsFailed;
      const paced = finalizedFrom ? { anchor: finalizedFrom, after: "finalize" as const } : undefined;
      const verified = yield* verify(run, target, downFrom, undefined, paced);
      return verified.ok
        ? {
            status: "completed",
            reason: `upgraded to ${plan.toRelease} on chart ${plan.toChart} with data upgrade ${spec.toVersion}`,
          }
        : { status: "failed", reason: `data upgrade finalized but verification failed: ${verified.summary}` };
    }
    if (move.kind === "halt") return { status: "halted", reason: haltReason(run, move, failure) };
    if (move.kind === "ask") {
      const answer = yield* askOperators(run, target, move.step, failure);
      turn = nextDataUpgradeMove(turn.progress, { kind: "operator-answered", ...answer }, rules);
      continue;
    }
    if (move.clearPendingFirst && !(yield* clearPendingRelease(run)))
      return {
        status: "halted",
        reason: `the retry of ${move.step} could not clear the stuck Helm release; CluedIn is left in upgrade mode`,
      };
    run.record.startStage(move.step, move.attempt > 1 ? `attempt ${move.attempt}` : undefined);
    let result: StepResult;
    try {
      if (move.step === "upgrade-mode") {
        const upgrade = yield* enterUpgradeMode(run, target, move.attempt);
        downFrom = upgrade.startedAt;
        result = upgrade;
      } else if (move.step === "data-upgrade") {
        result = yield* runDataUpgrade(run, target, spec, move.attempt, downFrom);
      } else {
        const finalized = yield* helmUpgrade(run, target, "finalize", move.attempt);
        finalizedFrom = finalized.startedAt;
        result = finalized;
      }
    } catch (error) {
      result = { ok: false, summary: describeError(error) };
    }
    run.record.endStage(move.step, result.ok ? "succeeded" : "failed", result.summary);
    failure = result.summary;
    turn = nextDataUpgradeMove(turn.progress, {
      kind: "step-ended",
      ok: result.ok,
      cancelRequested: run.cancelRequested,
    });
  }
}

/** Helm in upgrade mode; the UI stays down in upgrade mode, so only the pods and init jobs are waited for. */
function* enterUpgradeMode(run: UpgradeRun, target: Target, attempt: number): Flow<StepResult & { startedAt: Date }> {
  const upgrade = yield* helmUpgrade(run, target, "upgrade-mode", attempt);
  if (!upgrade.ok) return upgrade;
  const pace = run.pace({ kind: "pods-after-upgrade-mode" }, upgrade.startedAt);
  const pods = yield* watchPods(run, run.policy.podsReadyDeadlineMs, pace);
  return { ok: pods.ok, summary: `${upgrade.summary}; ${pods.summary}`, startedAt: upgrade.startedAt };
}

/**
 * Applies the `DataUpgrade` resource (a retry re-creates it) and waits for the server's answer. 2024.07.00 starts
 * its data upgrade from a values key: there is no resource to apply, only the answer to await since upgrade mode.
 */
function* runDataUpgrade(
  run: UpgradeRun,
  target: Target,
  spec: DataUpgradePlan,
  attempt: number,
  upgradeModeFrom: Date,
): Flow<StepResult> {
  const { toVersion } = spec;
  const applyResource = spec.kind === "resource";
  const stepFrom = run.now;
  const since = (applyResource ? run.now : upgradeModeFrom).toISOString();
  let applied: ApplyDataUpgradeResult | undefined;
  if (applyResource) {
    applied = yield* call(
      run.activities.applyDataUpgrade,
      { cluster: run.cluster, toVersion, chartVersion: target.plan.toChart, recreate: attempt > 1 },
      transientRetry,
    );
    run.record.event(
      `DataUpgrade ${applied.name} ${applied.created ? "created" : "already present"} (to ${toVersion})`,
    );
    run.record.dataUpgrade(dataUpgradeEvidence({ toVersion, applied }));
  }
  const pace = run.pace({ kind: "data-upgrade", toVersion }, stepFrom);
  const watch = scheduleMonitor(run.deps.monitor, {
    cluster: run.cluster,
    check: { kind: "data-upgrade", name: dataUpgradeName(toVersion), toVersion, since },
    intervalMs: run.policy.pollIntervalMs,
    deadline: new Date(run.now.getTime() + run.policy.dataUpgradeDeadlineMs).toISOString(),
    ...(pace ? { pace } : {}),
  });
  yield watch.task;
  const watched = watch.result();
  run.record.dataUpgrade(dataUpgradeEvidence({ toVersion, ...(applied ? { applied } : {}), watched }));
  return watched;
}

function* askOperators(
  run: UpgradeRun,
  target: Target,
  step: DataUpgradeStep,
  failure: string,
): Flow<{ choice: string; timedOut: boolean }> {
  run.record.status("halted");
  yield* notify(
    run,
    "halted",
    run.operators(),
    haltedNotice({ ...run.facts, toRelease: target.plan.toRelease }, step, failure),
  );
  const answer = yield* decide(run, {
    kind: "halted-data-upgrade",
    approvers: run.operators(),
    required: 1,
    deadlineMs: run.policy.decisionDeadlineMs,
    question: haltedQuestion(run.facts, step, failure),
  });
  run.record.status("running");
  return answer;
}

function haltReason(run: UpgradeRun, move: Extract<DataUpgradeMove, { kind: "halt" }>, failure: string): string {
  if (move.why === "cancelled")
    return `cancelled by ${run.cancelledBy()} after ${move.step}; CluedIn is still in upgrade mode`;
  const why = move.why === "no-decision" ? "no operator decision before the deadline" : "stopped by an operator";
  return `halted at ${move.step}: ${failure}; ${why}; CluedIn is left in upgrade mode`;
}
