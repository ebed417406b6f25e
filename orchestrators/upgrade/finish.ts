/**
 * Runbook: "Notify about upgrade completion", and the end of every run: a named state, the closing e-mail to the
 * people concerned, and the audit record kept beyond Durable's history. Neither a mail nor the archive can fail
 * the run: their failures are recorded.
 */
import { closingKind, closingNotice, type Notice } from "../../lib/notifications/wording.js";
import type { NotificationKind } from "../../lib/workflow/activities.js";
import type { NotifyResult } from "../../lib/workflow/contracts.js";
import type { UpgradeOutcome } from "../../lib/workflow/orchestrations.js";
import { call, type Flow } from "../calls.js";
import { pastPointOfNoReturn } from "../../lib/workflow/model.js";
import { describeError } from "./errors.js";
import { diagnosePods } from "./verify.js";
import type { RunEnd, Target, UpgradeRun } from "./run.js";

export function* notify(run: UpgradeRun, kind: NotificationKind, to: string[], notice: Notice): Flow<void> {
  if (to.length === 0) return;
  let result: NotifyResult;
  try {
    result = yield* call(run.activities.notify, {
      cluster: run.cluster,
      runId: run.id,
      kind,
      to,
      subjectDetail: notice.subjectDetail,
      lines: notice.lines,
      environment: run.policy.environment,
      targetRelease: run.input.targetRelease,
      ...(run.restoreOf ? { restoreOf: run.restoreOf } : {}),
    });
  } catch (error) {
    result = { ok: false, reason: describeError(error) };
  }
  run.record.email({
    kind,
    recipientCount: to.length,
    ok: result.ok,
    ...(result.ok ? { messageId: result.messageId } : { failures: [{ recipient: "*", reason: result.reason }] }),
  });
  run.record.event(
    result.ok ? `e-mail sent: ${kind} to ${to.length} recipient(s)` : `e-mail failed: ${kind}: ${result.reason}`,
  );
}

/** Ends the run in a named state, tells the people concerned, archives the audit record, returns the outcome. */
export function* finish(run: UpgradeRun, { status, reason }: RunEnd, target?: Target): Flow<UpgradeOutcome> {
  run.record.endRunningStage(reason);
  // A run that failed or halted after changing the cluster says what its pods show, unless verification already did.
  if ((status === "failed" || status === "halted") && pastPointOfNoReturn(run.record.current.stages))
    if (!run.record.evidence.diagnosis) yield* diagnosePods(run);
  run.record.status(status);
  run.record.event(`${status}: ${reason}`);
  // A hop's parent tells everyone once, at the end of the chain.
  if (!run.input.hopOf) {
    run.record.startStage("notify");
    // Users hear of a restore too: CluedIn is back, on the data of before the upgrade.
    const toUsers = status === "completed" || status === "restored";
    const audience = toUsers ? [...run.operators(), ...run.policy.notifyUsers] : run.operators();
    const requester = run.input.requestedBy.email ? [run.input.requestedBy.email] : [];
    const to = [...new Set([...audience, ...requester].map((a) => a.toLowerCase()))];
    yield* notify(run, closingKind(status), to, closingNotice(closingFacts(run, target), status, reason, run.now));
    run.record.endStage("notify", "succeeded");
  }
  const endedAt = run.now.toISOString();
  yield* archive(run, { status, reason }, endedAt);
  return {
    status,
    reason,
    view: run.record.current,
    ...(target ? { plan: target.plan } : {}),
    evidence: run.record.evidence,
    endedAt,
  };
}

function closingFacts(run: UpgradeRun, target: Target | undefined): Parameters<typeof closingNotice>[0] {
  const plan = target?.plan;
  const release = run.record.evidence.lastRelease;
  return {
    ...run.facts,
    targetRelease: run.input.targetRelease,
    requestedBy: run.requester,
    requestedAt: run.input.requestedAt,
    ...(plan ? { plan } : {}),
    approvers: run.record.evidence.decisions
      .filter((d) => d.kind === "approval" && d.choice === "approve")
      .map((d) => d.approver),
    ...(release ? { release } : {}),
    reportTo: run.policy.notifyOperators,
    ...(run.record.evidence.diagnosis?.lines.length ? { diagnosis: run.record.evidence.diagnosis.lines } : {}),
    ...(run.restoreOf ? { restoreOf: run.restoreOf } : {}),
  };
}

function* archive(run: UpgradeRun, { status, reason }: RunEnd, endedAt: string): Flow<void> {
  try {
    const kept = yield* call(run.activities.archiveRun, {
      runId: run.id,
      status,
      reason,
      endedAt,
      evidence: run.record.evidence,
    });
    if (!kept.ok) run.record.event(`the audit record could not be written: ${kept.reason}`);
  } catch (error) {
    run.record.event(`the audit record could not be written: ${describeError(error)}`);
  }
}
