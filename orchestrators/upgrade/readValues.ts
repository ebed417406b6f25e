/**
 * Runbook: "Get current Helm user values". Reads the release from Helm's Secrets; the values stay in the activity,
 * the run keeps the deployed revision and a keyed fingerprint of its values. A release stuck in pending-* is
 * offered to operators for a recovery rollback before anything else happens.
 */
import { recoverPendingQuestion } from "../../lib/notifications/wording.js";
import type { ReadReleaseResult } from "../../lib/workflow/contracts.js";
import type { Flow } from "../calls.js";
import { decide } from "./decisions.js";
import { readRelease, rollback } from "./helm.js";
import { end, go, type Source, type Step, type UpgradeRun } from "./run.js";

const UNREADABLE = "the current Helm release could not be read";

export function* readCurrentValues(run: UpgradeRun): Flow<Step<Source>> {
  run.record.startStage("read-values");
  let release = yield* readRelease(run);
  if (!release.ok) {
    run.record.endStage("read-values", "failed", release.reason);
    return end("failed", UNREADABLE);
  }
  if (release.last.status.startsWith("pending-")) {
    const recovered = yield* recoverPendingRelease(run, release);
    if (!recovered) return end("failed", UNREADABLE);
    release = recovered;
  }
  const deployed = release.deployed;
  if (!deployed || !release.valuesFingerprint) {
    run.record.endStage("read-values", "failed", "no deployed revision to upgrade from");
    return end("failed", UNREADABLE);
  }
  run.record.source(deployed);
  run.record.endStage(
    "read-values",
    "succeeded",
    `revision ${deployed.revision} on chart ${deployed.chartVersion} (appVersion ${deployed.appVersion})`,
  );
  return go({ revision: deployed.revision, fingerprint: release.valuesFingerprint, deployed });
}

/** Asks operators to roll a stuck release back; the release read again afterwards, or undefined. */
function* recoverPendingRelease(
  run: UpgradeRun,
  release: Extract<ReadReleaseResult, { ok: true }>,
): Flow<Extract<ReadReleaseResult, { ok: true }> | undefined> {
  const stuck = release.last;
  run.record.endStage("read-values", "failed", `revision ${stuck.revision} is stuck in ${stuck.status}`);
  const deployed = release.deployed;
  if (!deployed) return undefined;
  const answer = yield* decide(run, {
    kind: "recover-pending",
    approvers: [...run.policy.approvers, ...run.policy.notifyOperators],
    required: 1,
    deadlineMs: run.policy.decisionDeadlineMs,
    question: recoverPendingQuestion(run.facts, stuck, deployed),
  });
  if (answer.choice !== "rollback") return undefined;
  if (!(yield* rollback(run, deployed.revision))) return undefined;
  run.record.startStage("read-values");
  const again = yield* readRelease(run);
  if (!again.ok || again.last.status !== "deployed") {
    run.record.endStage("read-values", "failed", "release not deployed after the recovery rollback");
    return undefined;
  }
  return again;
}
