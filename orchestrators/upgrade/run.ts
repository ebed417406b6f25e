/**
 * One upgrade run as its stages see it: the durable context, the registered functions it calls, its input and
 * policy, its record, and the two waiters that live for the whole run (cancel, decisions). A stage answers
 * "go on with this value" or "end the run with this status and reason".
 */
import type { OrchestrationContext, Task } from "durable-functions";
import type { WorkflowActivities } from "../../lib/workflow/activities.js";
import type { CheckQueuesResult, RunPlan, UpgradeInput } from "../../lib/workflow/contracts.js";
import type { HelmRevision } from "../../lib/clients/types.js";
import {
  CANCEL_EVENT,
  DECISION_EVENT,
  type MonitorResult,
  type Orchestration,
  type ORCHESTRATIONS,
  type UpgradeOutcome,
} from "../../lib/workflow/orchestrations.js";
import type { RunStatus } from "../../lib/workflow/model.js";
import type { QueueThresholds } from "../../lib/workflow/checks.js";
import { paceFor, type Pace, type PacedWait, type PastDurations } from "../../lib/workflow/polling.js";
import { BEHAVIOUR_SINCE, startedAtLeast } from "../../lib/workflow/version.js";
import { requesterText } from "../../lib/notifications/wording.js";
import type { Monitor } from "../monitor.js";
import { RunRecorder } from "./recorder.js";

export interface UpgradeDeps {
  activities: WorkflowActivities;
  monitor: Monitor;
  queueDrain: Orchestration<(typeof ORCHESTRATIONS.queueDrain)["input"], MonitorResult<CheckQueuesResult>>;
  /** This orchestration itself: each hop of a chain runs as its own sub-orchestration. */
  hop: () => Orchestration<(typeof ORCHESTRATIONS.upgrade)["input"], UpgradeOutcome>;
}

export interface RunEnd {
  status: RunStatus;
  reason: string;
}

export type Step<T> = { go: true; value: T } | { go: false; end: RunEnd };

export const go = <T>(value: T): Step<T> => ({ go: true, value });
export const end = (status: RunStatus, reason: string): { go: false; end: RunEnd } => ({
  go: false,
  end: { status, reason },
});

/** The deployed revision the run upgrades from, and the keyed fingerprint of its values. */
export interface Source {
  revision: number;
  fingerprint: string;
  deployed: HelmRevision;
}

/** What the run was approved to do: from this source, by this plan. Never changes once made. */
export interface Target {
  readonly source: Source;
  readonly plan: RunPlan;
}

/** The queue rules of a run: its profile's threshold, and stuck queues blocking for runs from version 2.2. */
export const queueThresholds = (run: UpgradeRun): QueueThresholds => ({
  queueDepthMax: run.policy.queueDepthMax,
  stuckQueuesBlock: startedAtLeast(run.context.df.version, BEHAVIOUR_SINCE.stuckQueues),
});

export class UpgradeRun {
  readonly record: RunRecorder;
  private readonly cancel: Task;
  private decisionEvent: Task;
  private decisionCount = 0;

  /**
   * `restoreOf`: this run is the stand-alone restore of that run's snapshot set (orchestrators/restore.ts); its
   * e-mails say so.
   */
  constructor(
    readonly context: OrchestrationContext,
    readonly deps: UpgradeDeps,
    readonly input: UpgradeInput,
    readonly restoreOf?: string,
  ) {
    this.record = new RunRecorder(context, input);
    // One waiter each for the whole run: a second waiter for the same event name would steal events.
    this.cancel = context.df.waitForExternalEvent(CANCEL_EVENT);
    this.decisionEvent = context.df.waitForExternalEvent(DECISION_EVENT);
  }

  get id(): string {
    return this.context.df.instanceId;
  }

  get cluster(): string {
    return this.input.cluster;
  }

  get policy(): UpgradeInput["policy"] {
    return this.input.policy;
  }

  get activities(): WorkflowActivities {
    return this.deps.activities;
  }

  get now(): Date {
    return this.context.df.currentUtcDateTime;
  }

  /** What this cluster's previous runs took (read before the Helm change by runs from 2.3). */
  past: PastDurations | undefined;

  /** The pace of a monitor whose wait began at `anchor`; undefined (the fixed interval) for runs before 2.3. */
  pace(wait: PacedWait, anchor: Date): Pace | undefined {
    if (!startedAtLeast(this.context.df.version, BEHAVIOUR_SINCE.adaptivePolling)) return undefined;
    return paceFor(wait, anchor.getTime(), this.past, this.policy.pollIntervalMs);
  }

  get facts(): { cluster: string; environment: string } {
    return { cluster: this.cluster, environment: this.policy.environment };
  }

  get requester(): string {
    return requesterText(this.input.requestedBy);
  }

  /** The cancel waiter, to race against a wait that a cancel may end. */
  get cancelTask(): Task {
    return this.cancel;
  }

  get cancelRequested(): boolean {
    return this.cancel.isCompleted;
  }

  cancelledBy(): string {
    const data = this.cancel.result as { by?: string } | undefined;
    return data?.by ?? "an operator";
  }

  /** The decision waiter; once it has fired, `renewDecisionWaiter` sets up the next. */
  get decisionTask(): Task {
    return this.decisionEvent;
  }

  renewDecisionWaiter(): void {
    this.decisionEvent = this.context.df.waitForExternalEvent(DECISION_EVENT);
  }

  /** A new decision request id, the same on every replay. */
  newRequestId(kind: string): string {
    return this.context.df.newGuid(`${this.id}:${kind}:${this.decisionCount++}`);
  }

  operators(): string[] {
    return [...new Set([...this.policy.notifyOperators, ...this.policy.approvers].map((a) => a.toLowerCase()))];
  }
}
