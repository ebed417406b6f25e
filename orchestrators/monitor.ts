/**
 * A monitor: polls one check on a durable timer until it is done or its deadline passes. It runs as a
 * sub-orchestration and restarts itself with `continueAsNew` every few polls, so neither its history nor its
 * parent's grows with the length of the wait.
 */
import type { OrchestrationContext, OrchestrationHandler, RegisteredActivity, Task } from "durable-functions";
import * as df from "durable-functions";
import type { CommandHandle } from "../lib/clients/types.js";
import {
  evaluateCommand,
  evaluateDataUpgrade,
  evaluatePods,
  evaluateVerify,
  type CheckVerdict,
} from "../lib/workflow/checks.js";
import type {
  ObserveDataUpgradeResult,
  ObserveVerifyResult,
  PollCommandResult,
  CheckPodsResult,
} from "../lib/workflow/contracts.js";

export type MonitorCheck =
  | { kind: "command"; handle: CommandHandle }
  | { kind: "pods" }
  | { kind: "data-upgrade"; name: string; toVersion: string; since: string }
  | { kind: "verify"; chartVersion: string; since: string };

export interface MonitorInput {
  cluster: string;
  check: MonitorCheck;
  intervalMs: number;
  deadline: string;
  polls?: number;
  failedPolls?: number;
}

export interface MonitorResult {
  ok: boolean;
  timedOut: boolean;
  summary: string;
  polls: number;
  /** The last observation, for the audit record (redacted by the activity that made it). */
  observation?: unknown;
}

export interface MonitorActivities {
  pollCommand: RegisteredActivity;
  checkPods: RegisteredActivity;
  observeDataUpgrade: RegisteredActivity;
  observeVerify: RegisteredActivity;
}

/** Polls per generation before `continueAsNew`: each poll adds about six history events. */
const POLLS_PER_GENERATION = 10;

/** Transient API errors are retried here, on durable timers; the adapters do not retry. */
export const transientRetry = (() => {
  const retry = new df.RetryOptions(2_000, 3);
  retry.backoffCoefficient = 2;
  return retry;
})();

/** Seconds of server log to read: everything since the step began (plus a margin), on the orchestration's clock. */
function secondsSince(since: string, now: Date): number {
  return Math.max(1, Math.ceil((now.getTime() - new Date(since).getTime()) / 1000) + 5);
}

function observe(activities: MonitorActivities, cluster: string, check: MonitorCheck, now: Date): Task {
  switch (check.kind) {
    case "command":
      return activities.pollCommand({ cluster, handle: check.handle }).withRetry(transientRetry);
    case "pods":
      return activities.checkPods({ cluster }).withRetry(transientRetry);
    case "data-upgrade":
      return activities
        .observeDataUpgrade({ cluster, name: check.name, sinceSeconds: secondsSince(check.since, now) })
        .withRetry(transientRetry);
    case "verify":
      return activities
        .observeVerify({ cluster, sinceSeconds: secondsSince(check.since, now) })
        .withRetry(transientRetry);
  }
}

export function evaluate(check: MonitorCheck, observation: unknown): CheckVerdict {
  switch (check.kind) {
    case "command":
      return evaluateCommand(observation as PollCommandResult);
    case "pods":
      return evaluatePods(observation as CheckPodsResult);
    case "data-upgrade":
      return evaluateDataUpgrade(observation as ObserveDataUpgradeResult, check.toVersion);
    case "verify":
      return evaluateVerify(observation as ObserveVerifyResult, { chartVersion: check.chartVersion });
  }
}

export function makeMonitorOrchestrator(activities: MonitorActivities): OrchestrationHandler {
  return function* monitor(context: OrchestrationContext): Generator<Task, MonitorResult, unknown> {
    const input = context.df.getInput<MonitorInput>();
    const deadline = new Date(input.deadline).getTime();
    let polls = input.polls ?? 0;
    let failedPolls = input.failedPolls ?? 0;
    let summary = "not polled yet";
    let observation: unknown;

    for (let round = 0; round < POLLS_PER_GENERATION; round++) {
      polls++;
      try {
        observation = yield observe(activities, input.cluster, input.check, context.df.currentUtcDateTime);
        const verdict = evaluate(input.check, observation);
        summary = verdict.summary;
        if (verdict.done) return { ok: verdict.ok, timedOut: false, summary, polls, observation };
      } catch (error) {
        // A poll that fails even after retries is one missed observation, not the end of the wait.
        failedPolls++;
        summary = `poll failed: ${error instanceof Error ? error.message.slice(0, 300) : "unknown error"}`;
      }
      const now = context.df.currentUtcDateTime.getTime();
      if (now >= deadline) return { ok: false, timedOut: true, summary, polls, observation };
      yield context.df.createTimer(new Date(Math.min(deadline, now + input.intervalMs)));
    }
    context.df.continueAsNew({ ...input, polls, failedPolls } satisfies MonitorInput);
    return { ok: false, timedOut: false, summary, polls };
  };
}
