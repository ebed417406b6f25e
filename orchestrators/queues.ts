/**
 * RabbitMQ queue depths, read by running `rabbitmqctl` in the broker's pod: started by an activity, polled by a
 * monitor, parsed here (pure). `queueDrain` waits for busy queues to drain up to a deadline, as a sub-orchestration
 * that restarts itself with `continueAsNew` so a long wait leaves no long history.
 */
import type {
  OrchestrationContext,
  OrchestrationHandler,
  RegisteredActivity,
  RegisteredOrchestration,
  Task,
} from "durable-functions";
import { parseRabbitmqQueues } from "../lib/clients/helm.js";
import { evaluateQueues } from "../lib/workflow/checks.js";
import type { CheckQueuesResult, PollCommandResult, StartCommandResult } from "../lib/workflow/contracts.js";
import { transientRetry, type MonitorInput, type MonitorResult } from "./monitor.js";

export interface QueueDeps {
  startQueueListing: RegisteredActivity;
  monitor: RegisteredOrchestration;
}

/** A listing is a short command; if it has not answered in this time, the queues count as unreadable. */
const LISTING_BUDGET_MS = 3 * 60_000;
const ROUNDS_PER_GENERATION = 5;

export function* readQueues(
  context: OrchestrationContext,
  deps: QueueDeps,
  cluster: string,
  intervalMs: number,
): Generator<Task, CheckQueuesResult, unknown> {
  let started: StartCommandResult;
  let result: MonitorResult;
  try {
    started = (yield deps.startQueueListing({ cluster }).withRetry(transientRetry)) as StartCommandResult;
    if (!started.ok) return { ok: false, reason: started.reason };
    const input: MonitorInput = {
      cluster,
      check: { kind: "command", handle: started.handle },
      intervalMs: Math.min(intervalMs, 5_000),
      deadline: new Date(context.df.currentUtcDateTime.getTime() + LISTING_BUDGET_MS).toISOString(),
    };
    result = (yield deps.monitor(input)) as MonitorResult;
  } catch (error) {
    // Unreadable queues are a warning for the approvers, not the end of the run.
    return { ok: false, reason: error instanceof Error ? error.message.slice(0, 300) : "queue listing failed" };
  }
  const poll = result.observation as PollCommandResult | undefined;
  if (!result.ok || poll?.state !== "done") return { ok: false, reason: `queue listing ${result.summary}` };
  try {
    return { ok: true, depths: parseRabbitmqQueues(poll.logs) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : "unreadable rabbitmqctl output" };
  }
}

export interface QueueDrainInput {
  cluster: string;
  queueDepthMax: number;
  intervalMs: number;
  deadline: string;
}

export function makeQueueDrainOrchestrator(deps: QueueDeps): OrchestrationHandler {
  return function* queueDrain(context: OrchestrationContext): Generator<Task, MonitorResult, unknown> {
    const input = context.df.getInput<QueueDrainInput>();
    const deadline = new Date(input.deadline).getTime();
    let summary = "not read yet";
    for (let round = 1; round <= ROUNDS_PER_GENERATION; round++) {
      const queues = yield* readQueues(context, deps, input.cluster, input.intervalMs);
      const verdict = queues.ok
        ? evaluateQueues(queues.depths, { queueDepthMax: input.queueDepthMax })
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
