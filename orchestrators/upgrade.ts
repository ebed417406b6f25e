/**
 * One CluedIn upgrade, as the runbook "Perform the upgrade" describes it: read the current Helm user values,
 * prepare the new ones, run the pre-checks, get approval, announce the downtime, run the Helm upgrade (basic, or
 * with the data upgrade), verify, and notify. Every run ends in a named state; none leaves the cluster silently in
 * upgrade mode.
 */
import type {
  OrchestrationContext,
  OrchestrationHandler,
  RegisteredActivity,
  RegisteredOrchestration,
  Task,
  TimerTask,
} from "durable-functions";
import type { HelmRevision } from "../lib/clients/types.js";
import { evaluatePreChecks } from "../lib/workflow/checks.js";
import type {
  ApplyDataUpgradeResult,
  DecisionRequestResult,
  HelmPhase,
  NotificationKind,
  PollCommandResult,
  PreChecksResult,
  PrepareValuesResult,
  ReadReleaseResult,
  RunPlan,
  StartCommandResult,
  UpgradeInput,
} from "../lib/workflow/contracts.js";
import { UpgradeInputSchema } from "../lib/workflow/contracts.js";
import { newPendingDecision, stillToDecide, tallyDecision } from "../lib/workflow/decisions.js";
import { dataUpgradeName } from "../lib/workflow/names.js";
import { redactText } from "../lib/redaction/index.js";
import {
  DecisionEventSchema,
  type DecisionKind,
  type PendingDecision,
  type RunStatus,
  type RunView,
  type UpgradeMode,
} from "../lib/workflow/model.js";
import { transientRetry, type MonitorCheck, type MonitorInput, type MonitorResult } from "./monitor.js";
import { readQueues, type QueueDeps, type QueueDrainInput } from "./queues.js";
import { RunRecorder } from "./run.js";

/** Raised by the approval route for every human decision; DESIGN names it. */
export const DECISION_EVENT = "ApprovalDecision";
/** Raised by the cancel route. */
export const CANCEL_EVENT = "CancelRequested";

export interface UpgradeActivities {
  startQueueListing: RegisteredActivity;
  readCurrentRelease: RegisteredActivity;
  prepareValues: RegisteredActivity;
  runPreChecks: RegisteredActivity;
  requestDecision: RegisteredActivity;
  notify: RegisteredActivity;
  startHelmUpgrade: RegisteredActivity;
  startHelmRollback: RegisteredActivity;
  applyDataUpgrade: RegisteredActivity;
  /** Keeps the run's audit record once it has ended (activities/archiveRun.ts). */
  archiveRun?: RegisteredActivity;
}

export interface UpgradeDeps {
  activities: UpgradeActivities;
  monitor: RegisteredOrchestration;
  queueDrain: RegisteredOrchestration;
  /** This orchestration itself: each hop of a chain runs as its own sub-orchestration. */
  hop: () => RegisteredOrchestration;
}

export interface UpgradeOutcome {
  status: RunStatus;
  reason: string;
  view: RunView;
  plan?: RunPlan;
  revisionBefore?: number;
  revisionAfter?: number;
}

type Flow<T> = Generator<Task, T, unknown>;

interface DecisionOutcome {
  choice: string;
  timedOut: boolean;
}

/** A failed task's message, redacted and short: it goes into custom status, e-mails and the audit record. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactText(message.replace(/^Activity function '?\w+'? failed: /, "")).slice(0, 400);
}

/** Extra time the helm monitor allows beyond helm's own --timeout before it calls the command lost. */
const HELM_GRACE_MS = 120_000;

class UpgradeFlow {
  private readonly run: RunRecorder;
  private readonly cancel: Task;
  private decisionEvent: Task;
  private decisionCount = 0;
  private plan?: RunPlan;
  private source?: { revision: number; fingerprint: string };
  private revisionAfter?: number;
  private lastRelease?: HelmRevision;
  /** Which Helm upgrade has begun: after that, a failure is handled by that mode's failure policy. */
  private begun?: UpgradeMode;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly deps: UpgradeDeps,
    private readonly input: UpgradeInput,
  ) {
    this.run = new RunRecorder(context, input);
    // One waiter each for the whole run: a second waiter for the same event name would steal events.
    this.cancel = context.df.waitForExternalEvent(CANCEL_EVENT);
    this.decisionEvent = context.df.waitForExternalEvent(DECISION_EVENT);
  }

  private get activities(): UpgradeActivities {
    return this.deps.activities;
  }

  private get policy(): UpgradeInput["policy"] {
    return this.input.policy;
  }

  private get cluster(): string {
    return this.input.cluster;
  }

  private get cancelRequested(): boolean {
    return this.cancel.isCompleted;
  }

  private cancelledBy(): string {
    const data = this.cancel.result as { by?: string } | undefined;
    return data?.by ?? "an operator";
  }

  /**
   * The safety net: an activity that still fails after its retries (an API down for minutes) must not end the run
   * without a named state. Before the point of no return nothing changed; after a basic upgrade began the failure
   * policy applies; once a data upgrade began the run halts and says CluedIn may be in upgrade mode.
   */
  *main(): Flow<UpgradeOutcome> {
    try {
      return yield* this.stages();
    } catch (error) {
      const what = `${this.run.current.stage ?? "the run"} could not complete: ${describeError(error)}`;
      try {
        if (this.begun === "data-upgrade")
          return yield* this.finish(
            "halted",
            `${what}; CluedIn may be left in upgrade mode: an operator must check it`,
          );
        if (this.begun === "basic") return yield* this.afterBasicFailure(what);
        return yield* this.finish("failed", `${what}; nothing changed on the cluster`);
      } catch (again) {
        return yield* this.finish(
          this.begun === "data-upgrade" ? "halted" : "failed",
          `${what}; then: ${describeError(again)}`,
        );
      }
    }
  }

  private *stages(): Flow<UpgradeOutcome> {
    // Get current Helm user values
    const current = yield* this.readValues();
    if (!current) return yield* this.finish("failed", "the current Helm release could not be read");

    // Prepare new Helm user values
    this.run.startStage("prepare-values");
    const prepared = (yield this.activities
      .prepareValues({
        cluster: this.cluster,
        revision: current.revision,
        valuesFingerprint: this.source?.fingerprint ?? "",
        targetRelease: this.input.targetRelease,
        ...(this.input.extraValues ? { extraValues: this.input.extraValues } : {}),
      })
      .withRetry(transientRetry)) as PrepareValuesResult;
    if (prepared.plan) {
      this.plan = prepared.plan;
      this.run.plan(prepared.plan);
    }
    if (!prepared.ok) {
      const reasons = prepared.blockers.map((b) => b.message).join("; ");
      this.run.endStage("prepare-values", "failed", reasons);
      return yield* this.finish("failed", `values preparation blocked: ${reasons}`);
    }
    const plan = prepared.plan;
    const hops = plan.hops.map((hop) => hop.release);
    if (hops.length > 1) {
      if (!this.input.allowChain) {
        const path = [plan.fromRelease, ...hops].join(" -> ");
        this.run.endStage("prepare-values", "failed", `needs intermediate releases: ${path}`);
        return yield* this.finish(
          "failed",
          `${this.input.targetRelease} cannot be reached directly: take ${path} (or start with allowChain)`,
        );
      }
      this.run.endStage("prepare-values", "succeeded", `chain of ${hops.length} hops: ${hops.join(", ")}`);
      return yield* this.chain(hops);
    }
    for (const warning of plan.warnings) this.run.event(`warning: ${warning.message}`);
    this.run.endStage(
      "prepare-values",
      "succeeded",
      `${plan.valuesFile}: ${plan.changes.length} changes, ${plan.warnings.length} warnings, ${plan.mode}`,
    );
    if (this.cancelRequested)
      return yield* this.finish("cancelled", `cancelled by ${this.cancelledBy()} before any change`);

    // Perform system pre-checks
    const preChecksPassed = yield* this.preChecks();
    if (!preChecksPassed.ok) return yield* this.finish(preChecksPassed.status, preChecksPassed.reason);

    // Approval
    this.run.startStage("approval");
    const approval = yield* this.decide(
      "approval",
      this.policy.approvers,
      this.policy.requiredApprovals,
      this.policy.approvalDeadlineMs,
      `Approve the upgrade of ${this.cluster} (${this.policy.environment}) from ${plan.fromRelease} to ${plan.toRelease}?`,
    );
    if (approval.choice === "cancelled") {
      this.run.endStage("approval", "failed", "cancelled while waiting");
      return yield* this.finish("cancelled", `cancelled by ${this.cancelledBy()} while awaiting approval`);
    }
    if (approval.choice !== "approve") {
      const why = approval.timedOut
        ? "no decision before the deadline (timeout counts as rejection)"
        : approval.choice === "undeliverable"
          ? "no approver could be reached"
          : "rejected";
      this.run.endStage("approval", "failed", why);
      return yield* this.finish(approval.choice === "undeliverable" ? "failed" : "rejected", `approval ${why}`);
    }
    this.run.endStage("approval", "succeeded", "approved");

    // Optional maintenance window
    if (!(yield* this.waitForWindow()))
      return yield* this.finish("cancelled", `cancelled by ${this.cancelledBy()} before the maintenance window`);

    // Notify users of the downtime
    this.run.startStage("downtime-notice");
    yield* this.notify("downtime-notice", this.policy.notifyUsers, `downtime from ${this.run.now.toISOString()}`, [
      `CluedIn on ${this.cluster} (${this.policy.environment}) is being upgraded from ${plan.fromRelease} to ${plan.toRelease}.`,
      `Expected downtime: about ${plan.expectedDowntimeMinutes} minutes from ${this.run.now.toISOString()}.`,
      "The CluedIn UI will be unavailable until the upgrade completes; data ingestion pauses.",
    ]);
    this.run.endStage("downtime-notice", "succeeded");
    if (this.cancelRequested)
      return yield* this.finish("cancelled", `cancelled by ${this.cancelledBy()} before the Helm upgrade`);

    // Perform Helm upgrade (the point of no return), then verify
    this.begun = plan.mode;
    return plan.mode === "basic" ? yield* this.basicUpgrade(plan) : yield* this.dataUpgrade(plan);
  }

  private *readValues(): Flow<HelmRevision | undefined> {
    this.run.startStage("read-values");
    let release = yield* this.readRelease();
    if (!release.ok) {
      this.run.endStage("read-values", "failed", release.reason);
      return undefined;
    }
    if (release.last.status.startsWith("pending-")) {
      const stuck = release.last;
      this.run.endStage("read-values", "failed", `revision ${stuck.revision} is stuck in ${stuck.status}`);
      const deployed = release.deployed;
      if (!deployed) return undefined;
      const recovery = yield* this.decide(
        "recover-pending",
        [...this.policy.approvers, ...this.policy.notifyOperators],
        1,
        this.policy.decisionDeadlineMs,
        `Revision ${stuck.revision} of ${this.cluster} is stuck in ${stuck.status}. Roll back to revision ${deployed.revision} (${deployed.appVersion}) and continue?`,
      );
      if (recovery.choice !== "rollback") return undefined;
      if (!(yield* this.rollback(deployed.revision))) return undefined;
      this.run.startStage("read-values");
      release = yield* this.readRelease();
      if (!release.ok || release.last.status !== "deployed") {
        this.run.endStage("read-values", "failed", "release not deployed after the recovery rollback");
        return undefined;
      }
    }
    const deployed = release.deployed;
    if (!deployed || !release.valuesFingerprint) {
      this.run.endStage("read-values", "failed", "no deployed revision to upgrade from");
      return undefined;
    }
    this.source = { revision: deployed.revision, fingerprint: release.valuesFingerprint };
    this.run.release(deployed.appVersion);
    this.run.endStage(
      "read-values",
      "succeeded",
      `revision ${deployed.revision}: release ${deployed.appVersion} on chart ${deployed.chartVersion}`,
    );
    return deployed;
  }

  private *preChecks(): Flow<{ ok: true } | { ok: false; status: RunStatus; reason: string }> {
    this.run.startStage("pre-checks");
    const observation = (yield this.activities
      .runPreChecks({ cluster: this.cluster, logWindowSeconds: this.policy.logWindowSeconds })
      .withRetry(transientRetry)) as PreChecksResult;
    const queues = yield* readQueues(this.context, this.queueDeps, this.cluster, this.policy.pollIntervalMs);
    const verdict = evaluatePreChecks({ ...observation, queues }, { queueDepthMax: this.policy.queueDepthMax });
    for (const warning of verdict.warnings) this.run.event(`pre-check warning: ${warning.message}`);
    if (verdict.blockers.length > 0) {
      const reasons = verdict.blockers.map((b) => b.message).join("; ");
      this.run.endStage("pre-checks", "failed", reasons);
      return { ok: false, status: "failed", reason: `blocked by pre-checks, nothing changed: ${reasons}` };
    }
    if (verdict.waitForQueues) {
      this.run.event("queues are busy: waiting for them to drain");
      const drained = yield* this.waitForQueues();
      if (drained === "cancelled") {
        this.run.endStage("pre-checks", "failed", "cancelled while waiting for queues");
        return {
          ok: false,
          status: "cancelled",
          reason: `cancelled by ${this.cancelledBy()} while waiting for queues`,
        };
      }
      if (!drained.ok) {
        this.run.endStage("pre-checks", "failed", `queues did not drain in time: ${drained.summary}`);
        return {
          ok: false,
          status: "failed",
          reason: `blocked by pre-checks, nothing changed: queues did not drain (${drained.summary})`,
        };
      }
    }
    this.run.endStage(
      "pre-checks",
      "succeeded",
      verdict.warnings.length ? `${verdict.warnings.length} warnings` : "all clear",
    );
    return { ok: true };
  }

  private get queueDeps(): QueueDeps {
    return { startQueueListing: this.activities.startQueueListing, monitor: this.deps.monitor };
  }

  /** Busy queues drain in their own sub-orchestration; before the point of no return a cancel ends the wait. */
  private *waitForQueues(): Flow<MonitorResult | "cancelled"> {
    const input: QueueDrainInput = {
      cluster: this.cluster,
      queueDepthMax: this.policy.queueDepthMax,
      intervalMs: this.policy.pollIntervalMs,
      deadline: new Date(this.run.now.getTime() + this.policy.queueDrainDeadlineMs).toISOString(),
    };
    return yield* this.unlessCancelled(this.deps.queueDrain(input));
  }

  private *waitForWindow(): Flow<boolean> {
    if (!this.input.notBefore) return true;
    const opensAt = new Date(this.input.notBefore);
    if (opensAt.getTime() <= this.run.now.getTime()) return true;
    this.run.startStage("maintenance-window", `sleeping until ${opensAt.toISOString()}`);
    const timer = this.context.df.createTimer(opensAt);
    const contenders: Task[] = this.cancelRequested ? [timer] : [timer, this.cancel];
    const winner = (yield this.context.df.Task.any(contenders)) as Task;
    if (winner !== timer) {
      timer.cancel();
      this.run.endStage("maintenance-window", "failed", "cancelled");
      return false;
    }
    this.run.endStage("maintenance-window", "succeeded");
    return true;
  }

  private *basicUpgrade(plan: RunPlan): Flow<UpgradeOutcome> {
    this.run.startStage("helm-upgrade", `chart ${plan.toChart}`);
    const upgrade = yield* this.helm("basic", 1);
    if (upgrade.ok) {
      this.run.endStage("helm-upgrade", "succeeded", upgrade.summary);
      if (this.cancelRequested)
        return yield* this.finish(
          "halted",
          `cancelled by ${this.cancelledBy()} after the Helm upgrade; verification skipped`,
        );
      const verified = yield* this.verify(plan, upgrade.startedAt);
      if (verified.ok) return yield* this.finish("completed", `upgraded to ${plan.toRelease} on chart ${plan.toChart}`);
      return yield* this.afterBasicFailure(`verification failed: ${verified.summary}`);
    }
    this.run.endStage("helm-upgrade", "failed", upgrade.summary);
    return yield* this.afterBasicFailure(`helm upgrade failed: ${upgrade.summary}`);
  }

  /** A failed basic upgrade rolls back to the last deployed revision, at once or when a person says so. */
  private *afterBasicFailure(reason: string): Flow<UpgradeOutcome> {
    const target = this.source?.revision;
    if (target === undefined) return yield* this.finish("failed", reason);
    let rollback = this.policy.rollback === "auto";
    if (!rollback) {
      const answer = yield* this.decide(
        "rollback",
        [...this.policy.approvers, ...this.policy.notifyOperators],
        1,
        this.policy.decisionDeadlineMs,
        `${reason}. Roll ${this.cluster} back to revision ${target}, or leave it as it is?`,
      );
      rollback = answer.choice === "rollback";
      if (!rollback)
        this.run.event(
          answer.timedOut ? "no rollback decision before the deadline: left as is" : "rollback declined: left as is",
        );
    }
    if (!rollback) return yield* this.finish("failed", `${reason}; the release was left as it is`);
    const rolledBack = yield* this.rollback(target);
    return yield* this.finish(
      "failed",
      rolledBack
        ? `${reason}; rolled back to revision ${target}`
        : `${reason}; the rollback to revision ${target} failed too`,
    );
  }

  /** Once a data upgrade has begun there is no automatic rollback: a failure halts and asks an operator. */
  private *dataUpgrade(plan: RunPlan): Flow<UpgradeOutcome> {
    if (plan.dataUpgrade.kind === "none")
      return yield* this.finish("failed", `the catalog gives no data upgrade for ${plan.toRelease}`);
    const { toVersion } = plan.dataUpgrade;
    // 2024.07.00 starts its data upgrade from a values key: there is no resource to apply, only the answer to await.
    const applyResource = plan.dataUpgrade.kind === "resource";
    type Step = "upgrade-mode" | "data-upgrade" | "finalize";
    let step: Step = "upgrade-mode";
    const attempts: Record<Step, number> = { "upgrade-mode": 0, "data-upgrade": 0, finalize: 0 };
    let startedAt = this.run.now;

    for (;;) {
      attempts[step]++;
      this.run.startStage(step, attempts[step] > 1 ? `attempt ${attempts[step]}` : undefined);
      let result: { ok: boolean; summary: string };
      try {
        if (step === "upgrade-mode") {
          const upgrade = yield* this.helm("upgrade-mode", attempts[step]);
          startedAt = upgrade.startedAt;
          result = upgrade;
          if (upgrade.ok) {
            // The UI stays down in upgrade mode: only pods and the init jobs are waited for here.
            const pods = yield* this.watch({ kind: "pods" }, this.policy.podsReadyDeadlineMs, false);
            result =
              pods === "cancelled"
                ? { ok: false, summary: "cancelled" }
                : { ok: pods.ok, summary: `${upgrade.summary}; ${pods.summary}` };
          }
        } else if (step === "data-upgrade") {
          const since = (applyResource ? this.run.now : startedAt).toISOString();
          if (applyResource) {
            const resource = (yield this.activities
              .applyDataUpgrade({
                cluster: this.cluster,
                toVersion,
                chartVersion: plan.toChart,
                recreate: attempts[step] > 1,
              })
              .withRetry(transientRetry)) as ApplyDataUpgradeResult;
            this.run.event(
              `DataUpgrade ${resource.name} ${resource.created ? "created" : "already present"} (to ${toVersion})`,
            );
          }
          const answered = yield* this.watch(
            { kind: "data-upgrade", name: dataUpgradeName(toVersion), toVersion, since },
            this.policy.dataUpgradeDeadlineMs,
            false,
          );
          result = answered === "cancelled" ? { ok: false, summary: "cancelled" } : answered;
        } else {
          result = yield* this.helm("finalize", attempts[step]);
        }
      } catch (error) {
        result = { ok: false, summary: describeError(error) };
      }
      this.run.endStage(step, result.ok ? "succeeded" : "failed", result.summary);

      if (result.ok && step === "finalize") break;
      if (result.ok && this.cancelRequested)
        return yield* this.finish(
          "halted",
          `cancelled by ${this.cancelledBy()} after ${step}; CluedIn is still in upgrade mode`,
        );
      if (result.ok) {
        step = step === "upgrade-mode" ? "data-upgrade" : "finalize";
        continue;
      }

      this.run.status("halted");
      yield* this.notify("halted", this.operators(), `halted at ${step}`, [
        `The upgrade of ${this.cluster} to ${plan.toRelease} halted at ${step}: ${result.summary}.`,
        "CluedIn is in upgrade mode: the UI is down and no data is processed. There is no automatic rollback after a data upgrade has begun.",
        "An operator must choose: retry the failed step, finalize anyway (leave upgrade mode), or stop and repair by hand (restore the disk snapshots to undo a data upgrade).",
      ]);
      const answer = yield* this.decide(
        "halted-data-upgrade",
        this.operators(),
        1,
        this.policy.decisionDeadlineMs,
        `The data upgrade of ${this.cluster} halted at ${step}: ${result.summary}. Retry the step, finalize anyway, or stop?`,
      );
      this.run.status("running");
      if (answer.choice === "retry" && step !== "data-upgrade" && !(yield* this.clearPendingRelease())) {
        return yield* this.finish(
          "halted",
          `the retry of ${step} could not clear the stuck Helm release; CluedIn is left in upgrade mode`,
        );
      }
      if (answer.choice === "retry") continue;
      if (answer.choice === "finalize") {
        step = "finalize";
        continue;
      }
      return yield* this.finish(
        "halted",
        `halted at ${step}: ${result.summary}; ${answer.timedOut ? "no operator decision before the deadline" : "stopped by an operator"}; CluedIn is left in upgrade mode`,
      );
    }

    const verified = yield* this.verify(plan, startedAt);
    return verified.ok
      ? yield* this.finish(
          "completed",
          `upgraded to ${plan.toRelease} on chart ${plan.toChart} with data upgrade ${toVersion}`,
        )
      : yield* this.finish("failed", `data upgrade finalized but verification failed: ${verified.summary}`);
  }

  private *helm(phase: HelmPhase, attempt: number): Flow<{ ok: boolean; summary: string; startedAt: Date }> {
    const plan = this.plan;
    const source = this.source;
    const startedAt = this.run.now;
    if (!plan || !source) return { ok: false, summary: "no plan", startedAt };
    const started = (yield this.activities
      .startHelmUpgrade({
        cluster: this.cluster,
        runId: this.context.df.instanceId,
        phase,
        attempt,
        sourceRevision: source.revision,
        valuesFingerprint: source.fingerprint,
        targetRelease: plan.toRelease,
        ...(this.input.extraValues ? { extraValues: this.input.extraValues } : {}),
        helmTimeoutMs: this.policy.helmTimeoutMs,
      })
      .withRetry(transientRetry)) as StartCommandResult;
    if (!started.ok) return { ok: false, summary: started.reason, startedAt };
    this.run.event(`${started.resumed ? "resumed" : "started"}: ${started.command}`);
    const outcome = yield* this.command(started, this.policy.helmTimeoutMs + HELM_GRACE_MS);
    const after = yield* this.releaseState();
    this.revisionAfter = after?.revision ?? this.revisionAfter;
    const deployed = after?.status === "deployed" && after.chartVersion === plan.toChart;
    const state = after
      ? `revision ${after.revision} ${after.status} on chart ${after.chartVersion}`
      : "release unreadable";
    return { ok: outcome.ok && deployed, summary: `${outcome.summary}; ${state}`, startedAt };
  }

  /** A helm that died leaves the release pending-*: helm refuses the next upgrade until it is rolled back. */
  private *clearPendingRelease(): Flow<boolean> {
    const release = yield* this.readRelease();
    if (!release.ok) return false;
    if (!release.last.status.startsWith("pending-")) return true;
    if (!release.deployed) return false;
    this.run.event(
      `revision ${release.last.revision} is stuck in ${release.last.status}: rolling back to ${release.deployed.revision} before the retry`,
    );
    return yield* this.rollback(release.deployed.revision);
  }

  private *rollback(toRevision: number): Flow<boolean> {
    this.run.startStage("rollback", `to revision ${toRevision}`);
    try {
      const started = (yield this.activities
        .startHelmRollback({
          cluster: this.cluster,
          runId: this.context.df.instanceId,
          toRevision,
          attempt: 1,
          helmTimeoutMs: this.policy.helmTimeoutMs,
        })
        .withRetry(transientRetry)) as StartCommandResult;
      if (!started.ok) {
        this.run.endStage("rollback", "failed", started.reason);
        return false;
      }
      const outcome = yield* this.command(started, this.policy.helmTimeoutMs + HELM_GRACE_MS);
      const after = yield* this.releaseState();
      this.revisionAfter = after?.revision ?? this.revisionAfter;
      const ok = outcome.ok && after?.status === "deployed";
      this.run.endStage(
        "rollback",
        ok ? "succeeded" : "failed",
        `${outcome.summary}; ${after ? `revision ${after.revision} ${after.status}` : "release unreadable"}`,
      );
      return ok;
    } catch (error) {
      this.run.endStage("rollback", "failed", describeError(error));
      return false;
    }
  }

  private *command(
    started: Extract<StartCommandResult, { ok: true }>,
    budgetMs: number,
  ): Flow<{ ok: boolean; summary: string }> {
    const result = yield* this.watch({ kind: "command", handle: started.handle }, budgetMs, false);
    if (result === "cancelled") return { ok: false, summary: "cancelled" };
    if (result.timedOut) return { ok: false, summary: `no result within ${Math.round(budgetMs / 60_000)} min` };
    const poll = result.observation as PollCommandResult | undefined;
    const errorLine = poll?.state === "done" ? poll.logs.split("\n").find((l) => l.startsWith("Error:")) : undefined;
    return { ok: result.ok, summary: errorLine ? `${result.summary}: ${errorLine}` : result.summary };
  }

  private *readRelease(): Flow<ReadReleaseResult> {
    return (yield this.activities
      .readCurrentRelease({ cluster: this.cluster })
      .withRetry(transientRetry)) as ReadReleaseResult;
  }

  private *releaseState(): Flow<HelmRevision | undefined> {
    const release = yield* this.readRelease();
    if (release.ok) this.lastRelease = release.last;
    return release.ok ? release.last : undefined;
  }

  private *verify(plan: RunPlan, since: Date): Flow<MonitorResult> {
    this.run.startStage("verify");
    const result = yield* this.watch(
      { kind: "verify", chartVersion: plan.toChart, since: since.toISOString() },
      this.policy.verifyDeadlineMs,
      false,
    );
    const verdict: MonitorResult =
      result === "cancelled" ? { ok: false, timedOut: false, summary: "cancelled", polls: 0 } : result;
    this.run.endStage("verify", verdict.ok ? "succeeded" : "failed", verdict.summary);
    return verdict;
  }

  /** Runs a monitor sub-orchestration; before the point of no return a cancel ends the wait. */
  private *watch(check: MonitorCheck, budgetMs: number, cancellable = true): Flow<MonitorResult | "cancelled"> {
    const input: MonitorInput = {
      cluster: this.cluster,
      check,
      intervalMs: this.policy.pollIntervalMs,
      deadline: new Date(this.run.now.getTime() + budgetMs).toISOString(),
    };
    const monitor = this.deps.monitor(input);
    return cancellable ? yield* this.unlessCancelled(monitor) : ((yield monitor) as MonitorResult);
  }

  /** Waits for a sub-orchestration, or for a cancel request if one comes first (the wait ends; the child runs out). */
  private *unlessCancelled(child: Task): Flow<MonitorResult | "cancelled"> {
    if (this.cancelRequested) return (yield child) as MonitorResult;
    const winner = (yield this.context.df.Task.any([child, this.cancel])) as Task;
    return winner === child ? (child.result as MonitorResult) : "cancelled";
  }

  /** Asks people by signed e-mail link and waits for their decisions, with reminders, escalation and a deadline. */
  private *decide(
    kind: DecisionKind,
    approvers: string[],
    required: number,
    deadlineMs: number,
    question: string,
  ): Flow<DecisionOutcome> {
    const df = this.context.df;
    const requestId = df.newGuid(`${df.instanceId}:${kind}:${this.decisionCount++}`);
    const deadline = new Date(this.run.now.getTime() + deadlineMs);
    const recipients = [...new Set(approvers.map((a) => a.toLowerCase()))];
    let pending: PendingDecision = newPendingDecision({ requestId, kind, approvers: recipients, required, deadline });
    const delivered = yield* this.requestDecision(pending, recipients, question, false);
    if (delivered.sent.length === 0) {
      this.run.event(`no one could be asked (${kind}): ${delivered.failed.map((f) => f.reason).join("; ")}`);
      return { choice: kind === "approval" ? "undeliverable" : "none", timedOut: false };
    }
    this.run.pending(pending);
    if (kind === "approval") this.run.status("awaiting-approval");

    const startedAt = this.run.now.getTime();
    let reminderAt =
      kind === "approval" && this.policy.reminderAfterMs ? startedAt + this.policy.reminderAfterMs : undefined;
    let escalateAt =
      kind === "approval" && this.policy.escalateAfterMs && this.policy.escalation.length > 0
        ? startedAt + this.policy.escalateAfterMs
        : undefined;
    const finish = (outcome: DecisionOutcome): DecisionOutcome => {
      this.run.pending(undefined);
      if (kind === "approval") this.run.status("running");
      return outcome;
    };

    for (;;) {
      // Fresh timers every round: a timer already scheduled must never be yielded again in a new Task.any, or the
      // host schedules it a second time and the sequence numbers of everything after it shift.
      const deadlineTimer = df.createTimer(deadline);
      const reminder =
        reminderAt !== undefined && reminderAt < deadline.getTime() ? df.createTimer(new Date(reminderAt)) : undefined;
      const escalation =
        escalateAt !== undefined && escalateAt < deadline.getTime() ? df.createTimer(new Date(escalateAt)) : undefined;
      const timers = [deadlineTimer, reminder, escalation].filter((t): t is TimerTask => t !== undefined);
      const cancellable = kind === "approval" && !this.cancelRequested;
      const contenders: Task[] = [this.decisionEvent, ...timers, ...(cancellable ? [this.cancel] : [])];
      const winner = (yield df.Task.any(contenders)) as Task;
      for (const timer of timers) if (timer !== winner) timer.cancel();

      if (winner === deadlineTimer) {
        this.run.event(`${kind}: deadline ${deadline.toISOString()} passed`);
        return finish({ choice: kind === "approval" ? "reject" : "none", timedOut: true });
      }
      if (cancellable && winner === this.cancel) return finish({ choice: "cancelled", timedOut: false });
      if (winner === reminder) {
        reminderAt = undefined;
        const waiting = stillToDecide(pending);
        this.run.event(`reminder sent to ${waiting.join(", ")}`);
        yield* this.requestDecision(pending, waiting, question, true);
        continue;
      }
      if (winner === escalation) {
        escalateAt = undefined;
        const added = this.policy.escalation.map((a) => a.toLowerCase()).filter((a) => !pending.approvers.includes(a));
        pending = { ...pending, approvers: [...pending.approvers, ...added] };
        this.run.pending(pending);
        this.run.event(`escalated to ${added.join(", ")}`);
        yield* this.requestDecision(pending, added, question, false);
        continue;
      }

      const raised = DecisionEventSchema.safeParse(this.decisionEvent.result);
      this.decisionEvent = df.waitForExternalEvent(DECISION_EVENT);
      if (!raised.success) {
        this.run.event("a malformed decision was ignored");
        continue;
      }
      const event = raised.data;
      const tally = tallyDecision(pending, event, {
        selfApproval: this.policy.selfApproval,
        ...(this.input.requestedBy.email ? { requester: this.input.requestedBy.email } : {}),
      });
      if (tally.kind === "refused") {
        this.run.event(`decision refused: ${tally.reason}`);
        continue;
      }
      pending = tally.pending;
      this.run.decision({
        requestId,
        kind,
        approver: event.approver,
        choice: event.choice,
        decidedAt: event.decidedAt,
        ...(event.reason ? { reason: event.reason } : {}),
        ...(event.principal ? { principal: event.principal } : {}),
        ...(event.clientAddress ? { clientAddress: event.clientAddress } : {}),
      });
      this.run.event(`${event.approver} chose ${event.choice}${event.reason ? `: ${event.reason}` : ""}`);
      if (tally.kind === "decided") return finish({ choice: tally.choice, timedOut: false });
      this.run.pending(pending);
    }
  }

  private *requestDecision(
    pending: PendingDecision,
    recipients: string[],
    question: string,
    reminder: boolean,
  ): Flow<DecisionRequestResult> {
    const plan = this.plan;
    let result: DecisionRequestResult;
    try {
      result = (yield this.activities.requestDecision({
        cluster: this.cluster,
        runId: this.context.df.instanceId,
        requestId: pending.requestId,
        kind: pending.kind,
        approvers: recipients,
        expiresAt: pending.deadline,
        reminder,
        summary: {
          environment: this.policy.environment,
          ...(plan ? { fromRelease: plan.fromRelease, mode: plan.mode } : {}),
          targetRelease: this.input.targetRelease,
          question,
          requestedBy: this.input.requestedBy.email ?? this.input.requestedBy.name,
        },
      })) as DecisionRequestResult;
    } catch (error) {
      result = { sent: [], failed: [{ recipient: recipients.join(", "), reason: describeError(error) }] };
    }
    for (const failure of result.failed) this.run.event(`could not e-mail ${failure.recipient}: ${failure.reason}`);
    return result;
  }

  private *chain(hops: string[]): Flow<UpgradeOutcome> {
    let last: UpgradeOutcome | undefined;
    for (const [index, hop] of hops.entries()) {
      this.run.event(`hop ${index + 1}/${hops.length}: upgrading to ${hop}`);
      const hopInput: UpgradeInput = {
        ...this.input,
        runId: `${this.input.runId}-hop${index + 1}`,
        targetRelease: hop,
        allowChain: false,
        hopOf: this.input.runId,
      };
      last = (yield this.deps.hop()(hopInput, hopInput.runId)) as UpgradeOutcome;
      if (last.status !== "completed") {
        return yield* this.finish(last.status, `hop ${index + 1} (${hop}) ended ${last.status}: ${last.reason}`);
      }
    }
    return yield* this.finish("completed", `upgraded through ${hops.join(", ")}`);
  }

  private operators(): string[] {
    return [...new Set([...this.policy.notifyOperators, ...this.policy.approvers].map((a) => a.toLowerCase()))];
  }

  private *notify(kind: NotificationKind, to: string[], subjectDetail: string, lines: string[]): Flow<void> {
    if (to.length === 0) return;
    let result: { ok: boolean; reason?: string };
    try {
      result = (yield this.activities.notify({
        cluster: this.cluster,
        runId: this.context.df.instanceId,
        kind,
        to,
        subjectDetail,
        lines,
        environment: this.policy.environment,
        targetRelease: this.input.targetRelease,
      })) as { ok: boolean; reason?: string };
    } catch (error) {
      result = { ok: false, reason: describeError(error) };
    }
    this.run.event(
      result.ok
        ? `e-mail sent: ${kind} to ${to.length} recipient(s)`
        : `e-mail failed: ${kind}: ${result.reason ?? "unknown"}`,
    );
  }

  /** What the closing e-mail says: what happened, how long it took, who approved, the cluster's state, what next. */
  private outcomeLines(status: RunStatus, reason: string): string[] {
    const plan = this.plan;
    const minutes = Math.round((this.run.now.getTime() - new Date(this.input.requestedAt).getTime()) / 60_000);
    const approvers = this.run.current.decisions
      .filter((d) => d.kind === "approval" && d.choice === "approve")
      .map((d) => d.approver);
    const release = this.lastRelease;
    const next: Partial<Record<RunStatus, string>> = {
      completed: "CluedIn is back online: users can work again.",
      failed:
        "Read the run's events and audit record; fix the cause and start a new run. The cluster state above is what the run left.",
      halted:
        "An operator must act: CluedIn may be in upgrade mode (UI down, no processing). Restore the disk snapshots to undo a data upgrade, or finish it by hand with the runbook.",
      rejected: "Nothing was changed on the cluster.",
      cancelled: "Nothing was changed on the cluster.",
    };
    return [
      `The upgrade of ${this.cluster} (${this.policy.environment}) to ${this.input.targetRelease} ended ${status}: ${reason}.`,
      ...(plan
        ? [
            `From ${plan.fromRelease} (chart ${plan.fromChart}) to ${plan.toRelease} (chart ${plan.toChart}), ${plan.mode}.`,
          ]
        : []),
      `Requested by ${this.input.requestedBy.email ?? this.input.requestedBy.name}; ${minutes} minute(s) from request to end.`,
      ...(approvers.length ? [`Approved by ${approvers.join(", ")}.`] : []),
      ...(release
        ? [
            `Cluster state: Helm revision ${release.revision} ${release.status} on chart ${release.chartVersion} (${release.appVersion}).`,
          ]
        : []),
      ...(next[status] ? [`Next: ${next[status]}`] : []),
    ];
  }

  /** Ends the run in a named state, tells the people concerned, and returns the outcome. */
  private *finish(status: RunStatus, reason: string): Flow<UpgradeOutcome> {
    const running = this.run.current.stages.find((s) => s.state === "running");
    if (running) this.run.endStage(running.name, "failed", reason);
    this.run.status(status);
    this.run.event(`${status}: ${reason}`);
    if (!this.input.hopOf) {
      this.run.startStage("notify");
      const kind: NotificationKind =
        status === "completed"
          ? "completed"
          : status === "halted"
            ? "halted"
            : status === "rejected"
              ? "rejected"
              : "failed";
      const audience = status === "completed" ? [...this.operators(), ...this.policy.notifyUsers] : this.operators();
      const requester = this.input.requestedBy.email ? [this.input.requestedBy.email] : [];
      yield* this.notify(
        kind,
        [...new Set([...audience, ...requester].map((a) => a.toLowerCase()))],
        status,
        this.outcomeLines(status, reason),
      );
      this.run.endStage("notify", "succeeded");
    }
    if (this.activities.archiveRun)
      try {
        yield this.activities.archiveRun({
          runId: this.context.df.instanceId,
          status,
          reason,
          ...(this.source ? { revisionBefore: this.source.revision } : {}),
          ...(this.revisionAfter !== undefined ? { revisionAfter: this.revisionAfter } : {}),
        });
      } catch (error) {
        this.run.event(`the audit record could not be written: ${describeError(error)}`);
      }
    const plan = this.plan;
    return {
      status,
      reason,
      view: this.run.current,
      ...(plan ? { plan } : {}),
      ...(this.source ? { revisionBefore: this.source.revision } : {}),
      ...(this.revisionAfter !== undefined ? { revisionAfter: this.revisionAfter } : {}),
    };
  }
}

export function makeUpgradeOrchestrator(deps: UpgradeDeps): OrchestrationHandler {
  return function* upgrade(context: OrchestrationContext): Generator<Task, UpgradeOutcome, unknown> {
    const input = UpgradeInputSchema.parse(context.df.getInput());
    return yield* new UpgradeFlow(context, deps, input).main();
  };
}
