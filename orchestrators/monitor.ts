/**
 * A monitor: polls one check on a durable timer until it is done or its deadline passes. It runs as a
 * sub-orchestration and restarts itself with `continueAsNew` every few polls, so neither its history nor its
 * parent's grows with the length of the wait.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { CommandHandle } from "../lib/clients/types.js";
import type { WorkflowActivities } from "../lib/workflow/activities.js";
import {
  evaluateCommand,
  evaluateDataUpgrade,
  evaluatePods,
  evaluateVerify,
  type CheckVerdict,
} from "../lib/workflow/checks.js";
import type {
  CheckPodsResult,
  ObserveDataUpgradeResult,
  ObserveVerifyResult,
  PollCommandResult,
} from "../lib/workflow/contracts.js";
import {
  MonitorInputSchema,
  type MonitorCheck,
  type MonitorInput,
  type MonitorResult,
  type Orchestration,
  type ORCHESTRATIONS,
} from "../lib/workflow/orchestrations.js";
import { nextPollAt } from "../lib/workflow/polling.js";
import { taskFailureMessage } from "../lib/workflow/taskFailure.js";
import { call, scheduleChild, type Flow, type Scheduled } from "./calls.js";
import { transientRetry } from "./retry.js";
import { lookAtVolumes, type VolumeMonitorActivity } from "./volumeChecks.js";
import { lookAtPrePull, type PrePullMonitorActivity } from "./prePullChecks.js";
import type { PrePullObservation } from "../lib/workflow/prepull.js";
import type { ClaimRestoreObservation, SnapshotObservation, WorkloadScale } from "../lib/workflow/snapshots.js";

export type MonitorActivities = Pick<
  WorkflowActivities,
  "pollCommand" | "checkPods" | "observeDataUpgrade" | "observeVerify" | VolumeMonitorActivity | PrePullMonitorActivity
>;

/** What each kind of check observes: the monitor's result carries the last observation of its check's kind. */
export interface ObservationOf {
  command: PollCommandResult;
  pods: CheckPodsResult;
  "data-upgrade": ObserveDataUpgradeResult;
  verify: ObserveVerifyResult;
  quiesced: WorkloadScale[];
  snapshots: SnapshotObservation[];
  claims: ClaimRestoreObservation[];
  prepull: PrePullObservation;
}

export type Monitor = Orchestration<(typeof ORCHESTRATIONS.monitor)["input"], MonitorResult>;

/**
 * Starts a monitor of `input.check`. Its result carries the last observation of that check's kind: the monitor
 * makes it so (`look` below), which is why this is the one place that narrows it.
 */
export function scheduleMonitor<C extends MonitorCheck>(
  monitor: Monitor,
  input: MonitorInput & { check: C },
): Scheduled<MonitorResult<ObservationOf[C["kind"]]>> {
  return scheduleChild(monitor, input) as Scheduled<MonitorResult<ObservationOf[C["kind"]]>>;
}

/**
 * Watches a short command (a listing, a check, a list of kubectl steps) until it ends or `budgetMs` passes, polling
 * at most every 5 s: such commands answer in seconds.
 */
export function* watchShortCommand(
  monitor: Monitor,
  args: { cluster: string; handle: CommandHandle; intervalMs: number; now: Date; budgetMs: number },
): Flow<MonitorResult<PollCommandResult>> {
  const watch = scheduleMonitor(monitor, {
    cluster: args.cluster,
    check: { kind: "command", handle: args.handle },
    intervalMs: Math.min(args.intervalMs, 5_000),
    deadline: new Date(args.now.getTime() + args.budgetMs).toISOString(),
  });
  yield watch.task;
  return watch.result();
}

/** Polls per generation before `continueAsNew`: each poll adds about six history events. */
const POLLS_PER_GENERATION = 10;

/** Seconds of server log to read: everything since the step began (plus a margin), on the orchestration's clock. */
function secondsSince(since: string, now: Date): number {
  return Math.max(1, Math.ceil((now.getTime() - new Date(since).getTime()) / 1000) + 5);
}

export type Look = CheckVerdict & { observation: ObservationOf[MonitorCheck["kind"]] };

function* look(activities: MonitorActivities, cluster: string, check: MonitorCheck, now: Date): Flow<Look> {
  switch (check.kind) {
    case "command": {
      const poll = yield* call(activities.pollCommand, { cluster, handle: check.handle }, transientRetry);
      return { ...evaluateCommand(poll), observation: poll };
    }
    case "pods": {
      const pods = yield* call(activities.checkPods, { cluster }, transientRetry);
      return { ...evaluatePods(pods), observation: pods };
    }
    case "data-upgrade": {
      const sinceSeconds = secondsSince(check.since, now);
      const seen = yield* call(
        activities.observeDataUpgrade,
        { cluster, name: check.name, sinceSeconds },
        transientRetry,
      );
      return { ...evaluateDataUpgrade(seen, check.toVersion), observation: seen };
    }
    case "verify": {
      const sinceSeconds = secondsSince(check.since, now);
      const seen = yield* call(activities.observeVerify, { cluster, sinceSeconds }, transientRetry);
      const expected = {
        chartVersion: check.chartVersion,
        ...(check.timedOutRevision ? { timedOutRevision: check.timedOutRevision } : {}),
      };
      return { ...evaluateVerify(seen, expected), observation: seen };
    }
    case "prepull":
      return yield* lookAtPrePull(activities, cluster, check);
    default:
      return yield* lookAtVolumes(activities, cluster, check);
  }
}

export function makeMonitorOrchestrator(activities: MonitorActivities): OrchestrationHandler {
  return function* monitor(context: OrchestrationContext): Flow<MonitorResult> {
    const input = MonitorInputSchema.parse(context.df.getInput());
    const deadline = new Date(input.deadline).getTime();
    let polls = input.polls ?? 0;
    let failedPolls = input.failedPolls ?? 0;
    let summary = "not polled yet";
    let observation: unknown;

    for (let round = 0; round < POLLS_PER_GENERATION; round++) {
      polls++;
      try {
        const seen = yield* look(activities, input.cluster, input.check, context.df.currentUtcDateTime);
        observation = seen.observation;
        summary = seen.summary;
        if (seen.done) return { ok: seen.ok, timedOut: false, summary, polls, observation };
      } catch (error) {
        // A poll that fails even after retries is one missed observation, not the end of the wait.
        failedPolls++;
        summary = `poll failed: ${taskFailureMessage(error).slice(0, 300)}`;
      }
      const now = context.df.currentUtcDateTime.getTime();
      if (now >= deadline) return { ok: false, timedOut: true, summary, polls, observation };
      const at = nextPollAt(input.pace, { nowMs: now, intervalMs: input.intervalMs, deadlineMs: deadline });
      yield context.df.createTimer(new Date(at));
    }
    context.df.continueAsNew({ ...input, polls, failedPolls } satisfies MonitorInput);
    return { ok: false, timedOut: false, summary, polls };
  };
}
