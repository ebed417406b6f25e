/**
 * The run's visible state, kept in custom status as the orchestration moves: small, redacted, replay-safe.
 * Every change goes through here so the dashboard, the status route and the audit record see one story.
 */
import type { OrchestrationContext } from "durable-functions";
import {
  addEvent,
  endStage,
  startStage,
  type DecisionRecord,
  type PendingDecision,
  type RunStatus,
  type RunView,
  type StageName,
  type StageState,
  type UpgradeMode,
} from "../lib/workflow/model.js";
import { planSummary } from "../lib/plan/index.js";
import type { RunPlan, UpgradeInput } from "../lib/workflow/contracts.js";

export class RunRecorder {
  private view: RunView;

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
    if (note) this.view = addEvent(this.view, this.now, `${name}: ${note}`);
    this.publish();
  }

  event(message: string): void {
    this.view = addEvent(this.view, this.now, message);
    this.publish();
    if (!this.context.df.isReplaying) this.context.log(`[${this.view.cluster}] ${message}`);
  }

  release(fromRelease: string, mode?: UpgradeMode): void {
    this.view = { ...this.view, fromRelease, ...(mode ? { mode } : {}) };
    this.publish();
  }

  plan(plan: RunPlan): void {
    this.view = {
      ...this.view,
      plan: planSummary(plan),
      mode: plan.mode,
      fromRelease: plan.fromRelease,
      hops: plan.hops.map((hop) => hop.release),
    };
    this.publish();
  }

  pending(decision: PendingDecision | undefined): void {
    const { pendingDecision: _dropped, ...rest } = this.view;
    this.view = decision ? { ...rest, pendingDecision: decision } : rest;
    this.publish();
  }

  decision(record: DecisionRecord): void {
    this.view = { ...this.view, decisions: [...this.view.decisions, record] };
    this.publish();
  }

  private publish(): void {
    this.context.df.setCustomStatus(this.view);
  }
}
