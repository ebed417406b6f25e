/**
 * The run's record, kept as the orchestration moves: the visible view in custom status (small, redacted,
 * replay-safe) and the evidence its audit record is built from (lib/workflow/evidence.ts). Every change goes
 * through here, so the dashboard, the status route and the audit record tell one story.
 */
import type { OrchestrationContext } from "durable-functions";
import type { HelmRevision } from "../../lib/clients/types.js";
import { planSummary } from "../../lib/plan/index.js";
import type {
  CheckQueuesResult,
  PreChecksResult,
  ReadReleaseResult,
  RunPlan,
  UpgradeInput,
} from "../../lib/workflow/contracts.js";
import {
  emptyEvidence,
  type BlockedDayOverride,
  type DataUpgradeEvidence,
  type DiagnosisEvidence,
  type OverrunNotice,
  type ScheduleEvidence,
  type EmailSent,
  planEvidence,
  type ChartCheck,
  type HelmCommand,
  type ProcedureStepEvidence,
  type RefusedDecision,
  type RestoreEvidence,
  type RestoreRequestEvidence,
  type RetentionEvidence,
  type SnapshotEvidence,
  type PrePullEvidence,
  type RunEvidence,
  type Verification,
} from "../../lib/workflow/evidence.js";
import {
  addEvent,
  clip,
  endStage,
  startStage,
  type DecisionRecord,
  type PendingDecision,
  type RunStatus,
  type RunView,
  type StageName,
  type StageState,
  VIEW_LIMITS,
} from "../../lib/workflow/model.js";

/** Log lines kept as evidence: enough to judge the pre-checks, small enough for the run's output. */
const MAX_LOG_LINES = 50;

export class RunRecorder {
  private view: RunView;
  private proof: RunEvidence = emptyEvidence();

  constructor(
    private readonly context: OrchestrationContext,
    input: UpgradeInput,
  ) {
    this.view = {
      status: "running",
      cluster: input.cluster,
      environment: input.policy.environment,
      targetRelease: input.targetRelease,
      stages: [],
      decisions: [],
      events: [],
    };
    this.publish();
  }

  get now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  get current(): RunView {
    return this.view;
  }

  get evidence(): RunEvidence {
    return this.proof;
  }

  status(status: RunStatus): void {
    this.view = { ...this.view, status };
    this.publish();
  }

  startStage(name: StageName, note?: string): void {
    this.view = startStage(this.view, name, this.now, note);
    this.publish();
  }

  endStage(name: StageName, state: StageState, note?: string): void {
    this.view = endStage(this.view, name, state, this.now, note);
    if (note) this.remember(`${name}: ${note}`);
    this.publish();
  }

  /** Ends the stage still running, if any: a run that ends mid-stage says where. */
  endRunningStage(note: string): void {
    const running = this.view.stages.find((s) => s.state === "running");
    if (running) this.endStage(running.name, "failed", note);
  }

  event(message: string): void {
    this.remember(message);
    this.publish();
    if (!this.context.df.isReplaying) this.context.log(`[${this.view.cluster}] ${message}`);
  }

  plan(plan: RunPlan): void {
    this.view = {
      ...this.view,
      plan: planSummary(plan),
      mode: plan.mode,
      fromRelease: plan.fromRelease,
      hops: plan.hops.map((hop) => hop.release),
    };
    this.proof = { ...this.proof, plan: planEvidence(plan) };
    this.publish();
  }

  pending(decision: PendingDecision | undefined): void {
    const { pendingDecision: _dropped, ...rest } = this.view;
    this.view = decision ? { ...rest, pendingDecision: decision } : rest;
    this.publish();
  }

  decision(record: DecisionRecord): void {
    const shown = record.reason ? { ...record, reason: clip(record.reason, VIEW_LIMITS.reason) } : record;
    this.view = { ...this.view, decisions: [...this.view.decisions, shown] };
    this.proof = { ...this.proof, decisions: [...this.proof.decisions, record] };
    this.publish();
  }

  /** A decision not counted because its signature was missing or wrong: kept whole in the evidence for the audit. */
  refusedDecision(record: RefusedDecision): void {
    this.proof = { ...this.proof, refusedDecisions: [...(this.proof.refusedDecisions ?? []), record] };
  }

  /** An event: shortened among the view's newest, whole in the evidence. */
  private remember(message: string): void {
    this.view = addEvent(this.view, this.now, message);
    this.proof = { ...this.proof, events: [...this.proof.events, { at: this.now.toISOString(), message }] };
  }

  /** A read of the Helm release: every revision it lists, and the state the closing e-mail reports. */
  releaseRead(read: ReadReleaseResult): void {
    if (!read.ok) return;
    const byNumber = new Map(this.proof.revisions.map((r) => [r.revision, r]));
    for (const revision of read.history) byNumber.set(revision.revision, revision);
    this.proof = {
      ...this.proof,
      revisions: [...byNumber.values()].sort((a, b) => a.revision - b.revision),
      lastRelease: read.last,
    };
  }

  /**
   * The deployed revision the run upgrades from. Its release is named once the plan has identified it from the values'
   * image tags and the chart (lib/catalog/running.ts): a chart's appVersion (2024.12) does not name a release.
   */
  source(deployed: HelmRevision): void {
    this.proof = { ...this.proof, revisionBefore: deployed.revision };
    this.publish();
  }

  revisionAfter(revision: number): void {
    this.proof = { ...this.proof, revisionAfter: revision };
  }

  preChecks(observation: PreChecksResult, queues: CheckQueuesResult): void {
    const { ui, pods, logs } = observation;
    this.proof = {
      ...this.proof,
      preChecks: {
        at: this.now.toISOString(),
        ui,
        pods: {
          total: pods.total,
          ready: pods.ready,
          completed: pods.completed,
          healthy: pods.healthy,
          problems: pods.problems,
        },
        logs: { windowSeconds: logs.windowSeconds, errorLines: logs.errorLines.slice(0, MAX_LOG_LINES) },
        queues,
      },
    };
  }

  /** The last reading of a drain wait replaces the pre-checks' own. */
  queuesDrained(queues: CheckQueuesResult): void {
    if (this.proof.preChecks) this.proof = { ...this.proof, preChecks: { ...this.proof.preChecks, queues } };
  }

  asked(recipients: string[]): void {
    this.proof = { ...this.proof, asked: [...this.proof.asked, { at: this.now.toISOString(), recipients }] };
  }

  email(sent: Omit<EmailSent, "at">): void {
    this.proof = { ...this.proof, emails: [...this.proof.emails, { at: this.now.toISOString(), ...sent }] };
  }

  helmCommand(command: HelmCommand): void {
    this.proof = { ...this.proof, helmCommands: [...this.proof.helmCommands, command] };
  }

  chartCheck(check: ChartCheck): void {
    this.proof = { ...this.proof, chartCheck: check };
  }

  /** A procedure's step results; a step that runs again (a retry) replaces its earlier result. */
  procedureSteps(steps: readonly ProcedureStepEvidence[]): void {
    const key = (s: ProcedureStepEvidence): string => `${s.phase}:${s.id}`;
    const fresh = new Set(steps.map(key));
    const kept = (this.proof.procedure ?? []).filter((s) => !fresh.has(key(s)));
    this.proof = { ...this.proof, procedure: [...kept, ...steps] };
  }

  dataUpgrade(evidence: DataUpgradeEvidence): void {
    this.proof = { ...this.proof, dataUpgrade: evidence };
  }

  verification(verification: Verification): void {
    this.proof = { ...this.proof, verification };
  }

  schedule(schedule: ScheduleEvidence): void {
    this.proof = { ...this.proof, schedule };
  }

  blockedDayOverride(override: BlockedDayOverride): void {
    this.proof = { ...this.proof, blockedDayOverrides: [...(this.proof.blockedDayOverrides ?? []), override] };
  }

  overrun(notice: OverrunNotice): void {
    this.proof = { ...this.proof, overrunNotices: [...(this.proof.overrunNotices ?? []), notice] };
  }

  diagnosis(diagnosis: DiagnosisEvidence): void {
    this.proof = { ...this.proof, diagnosis };
  }

  /** The snapshot set (up to ~15 claims) lives in the evidence only: the view keeps a stage note. */
  snapshots(snapshots: SnapshotEvidence): void {
    this.proof = { ...this.proof, snapshots };
  }

  /** The node check and the image pre-pull, per node: in the evidence only (the view keeps events). */
  prePull(prePull: PrePullEvidence): void {
    this.proof = { ...this.proof, prePull };
  }

  restore(restore: RestoreEvidence): void {
    this.proof = { ...this.proof, restore };
  }

  restoreOf(request: RestoreRequestEvidence): void {
    this.proof = { ...this.proof, restoreOf: request };
  }

  retention(retention: RetentionEvidence): void {
    this.proof = { ...this.proof, retention };
  }

  private publish(): void {
    this.context.df.setCustomStatus(this.view);
  }
}
