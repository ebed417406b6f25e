/**
 * RabbitMQ queue depths, read by running `rabbitmqctl` in the broker's pod: started by an activity, polled by a
 * monitor, parsed here (pure). `queueDrain` waits for busy queues to drain up to a deadline, as a sub-orchestration
 * that restarts itself with `continueAsNew` so a long wait leaves no long history.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { parseRabbitmqQueues } from "../lib/clients/helm.js";
import type { WorkflowActivities } from "../lib/workflow/activities.js";
import { evaluateQueues } from "../lib/workflow/checks.js";
import type { CheckQueuesResult, PollCommandResult } from "../lib/workflow/contracts.js";
import { QueueDrainInputSchema, type MonitorResult } from "../lib/workflow/orchestrations.js";
import { taskFailureMessage } from "../lib/workflow/taskFailure.js";
import { call, type Flow } from "./calls.js";
import { watchShortCommand, type Monitor } from "./monitor.js";
import { transientRetry } from "./retry.js";

export interface QueueDeps {
  startQueueListing: WorkflowActivities["startQueueListing"];
  monitor: Monitor;
}

/** A listing is a short command; if it has not answered in this time, the queues count as unreadable. */
const LISTING_BUDGET_MS = 3 * 60_000;
const ROUNDS_PER_GENERATION = 5;

const message = (error: unknown, fallback: string): string => taskFailureMessage(error).slice(0, 300) || fallback;

export function* readQueues(
  context: OrchestrationContext,
  deps: QueueDeps,
  cluster: string,
  intervalMs: number,
): Flow<CheckQueuesResult> {
  let listing: MonitorResult<PollCommandResult>;
  try {
    const started = yield* call(deps.startQueueListing, { cluster }, transientRetry);
    if (!started.ok) return { ok: false, reason: started.reason };
    listing = yield* watchShortCommand(deps.monitor, {
      cluster,
      handle: started.handle,
      intervalMs,
      now: context.df.currentUtcDateTime,
      budgetMs: LISTING_BUDGET_MS,
    });
  } catch (error) {
    // Unreadable queues are a warning for the approvers, not the end of the run.
    return { ok: false, reason: message(error, "queue listing failed") };
  }
  const poll = listing.observation;
  if (!listing.ok || poll?.state !== "done") return { ok: false, reason: `queue listing ${listing.summary}` };
  try {
    return { ok: true, depths: parseRabbitmqQueues(poll.logs) };
  } catch (error) {
    return { ok: false, reason: message(error, "unreadable rabbitmqctl output") };
  }
}

export function makeQueueDrainOrchestrator(deps: QueueDeps): OrchestrationHandler {
  return function* queueDrain(context: OrchestrationContext): Flow<MonitorResult<CheckQueuesResult>> {
    const input = QueueDrainInputSchema.parse(context.df.getInput());
    const deadline = new Date(input.deadline).getTime();
    let summary = "not read yet";
    for (let round = 1; round <= ROUNDS_PER_GENERATION; round++) {
      const queues = yield* readQueues(context, deps, input.cluster, input.intervalMs);
      const verdict = queues.ok
        ? evaluateQueues(queues.depths, {
            queueDepthMax: input.queueDepthMax,
            stuckQueuesBlock: input.stuckQueuesBlock,
          })
        : { done: false as const, summary: `queues unreadable: ${queues.reason}` };
      summary = verdict.summary;
      if (verdict.done) return { ok: verdict.ok, timedOut: false, summary, polls: round, observation: queues };
      const now = context.df.currentUtcDateTime.getTime();
      if (now >= deadline) return { ok: false, timedOut: true, summary, polls: round, observation: queues };
      yield context.df.createTimer(new Date(Math.min(deadline, now + input.intervalMs)));
    }
    context.df.continueAsNew(input);
    return { ok: false, timedOut: false, summary, polls: ROUNDS_PER_GENERATION };
  };
}
