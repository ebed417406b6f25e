/**
 * One episode of an instance: the JavaScript orchestrator replays its history plus the new events, the host replays
 * the returned actions (host-replay.ts), and together they decide what is scheduled next and whether the instance
 * is done. Nothing here writes to disk; the runtime commits the returned episode.
 */
import { EventType, historyEvent, type EventRaisedEvent, type HistoryEvent, type TerminalStatus } from "./history.js";
import { replayHost, type HostReplayResult, type KnownFunctions, type PlannedAction } from "./host-replay.js";
import { runOrchestrator, type InvocationEnvironment } from "./invoke.js";
import { noPendingWork, parseJsonText, type EpisodeRecord, type InstanceRecord } from "./instance.js";
import { findFunction, TriggerType } from "./registry.js";

export interface EpisodeResult {
  episode: EpisodeRecord;
  /** Actions first recorded in this episode; the runtime dispatches those still open. */
  decisions: PlannedAction[];
  continueAsNew?: { input: string | null; carriedEvents: EventRaisedEvent[] };
  warnings: string[];
}

export interface EpisodeEnvironment extends InvocationEnvironment {
  /** Name of the registered orchestrator whose code runs for `name` (see LocalRuntimeOptions.substitutes). */
  codeFor: (name: string) => string;
  /** The activities and orchestrators the host knows (it refuses calls to any other); unchecked when absent. */
  knownFunctions?: () => KnownFunctions;
}

/** The extension's limit on custom status: 16 KB of UTF-16 (DurableOrchestrationContext.SetCustomStatus). */
export const MAX_CUSTOM_STATUS_KB = 16;

/**
 * MessagePayloadDataConverter.Serialize(value, maxSizeInKB): the payload's UTF-16 byte count, divided by 1024 and
 * truncated, may not exceed the limit; the ArgumentException it throws fails the orchestrator function.
 */
export function customStatusRefusal(json: string | null): string | undefined {
  if (json === null) return undefined;
  const sizeInKB = Math.trunc((json.length * 2) / 1024);
  if (sizeInKB <= MAX_CUSTOM_STATUS_KB) return undefined;
  return (
    `The UTF-16 size of the JSON-serialized payload must not exceed ${MAX_CUSTOM_STATUS_KB} KB. ` +
    `The current payload size is ${sizeInKB} KB.`
  );
}

/** The output of a failed orchestrator function, as the shim reports it. */
function failedWith(name: string, message: string): string {
  return JSON.stringify(`Orchestrator function '${name}' failed: ${message}`);
}

const nothingMore = { decisions: [], warnings: [] } satisfies Omit<EpisodeResult, "episode">;

function decisionEvent(action: PlannedAction, at: number): HistoryEvent {
  switch (action.kind) {
    case "activity":
      return historyEvent(
        EventType.TaskScheduled,
        at,
        { Name: action.name, Version: "", Input: action.input },
        action.id,
      );
    case "timer":
      return historyEvent(EventType.TimerCreated, at, { FireAt: new Date(action.fireAt).toISOString() }, action.id);
    case "subOrchestration":
      return historyEvent(
        EventType.SubOrchestrationInstanceCreated,
        at,
        { Name: action.name, Version: "", InstanceId: action.instanceId, Input: action.input },
        action.id,
      );
  }
}

function finished(
  base: Omit<EpisodeRecord, "status" | "output" | "events" | "pending">,
  status: TerminalStatus,
  output: string | null,
  decisions: HistoryEvent[] = [],
): EpisodeRecord {
  const at = base.startedAt;
  return {
    ...base,
    status,
    output,
    pending: noPendingWork(),
    events: [
      ...decisions,
      historyEvent(EventType.ExecutionCompleted, at, { OrchestrationStatus: status, Result: output }),
      historyEvent(EventType.OrchestratorCompleted, at, {}),
    ],
  };
}

export async function runEpisode(record: InstanceRecord, now: number, env: EpisodeEnvironment): Promise<EpisodeResult> {
  const consumed = record.inbox.length;
  const messages = record.inbox.slice(0, consumed);
  const base = { consumed, startedAt: now, customStatus: record.customStatus };
  const terminated = messages.find((event) => event.EventType === EventType.ExecutionTerminated);
  if (terminated) {
    // DTFx ends a terminated instance without running its code; the reason becomes its output.
    return { episode: finished(base, "Terminated", JSON.stringify(terminated.Input)), ...nothingMore };
  }
  const codeName = env.codeFor(record.name);
  const fn = findFunction(codeName, TriggerType.orchestration);
  if (!fn) {
    const message = `The function '${codeName}' doesn't exist, is disabled, or is not an orchestrator function.`;
    return { episode: finished(base, "Failed", JSON.stringify(message)), ...nothingMore };
  }
  const newEvents = [historyEvent(EventType.OrchestratorStarted, now, {}), ...messages];
  const outcome = await runOrchestrator(
    fn,
    {
      instanceId: record.instanceId,
      input: parseJsonText(record.input),
      parentInstanceId: record.parent?.instanceId ?? null,
      pastEvents: record.history,
      newEvents,
    },
    env,
  );
  if (outcome.kind === "crash")
    return { episode: finished(base, "Failed", failedWith(record.name, outcome.message)), ...nothingMore };

  const { state } = outcome;
  // The shim sets the custom status before it replays the actions; a refused one fails the orchestrator function.
  const customStatus = state.customStatus === undefined ? null : JSON.stringify(state.customStatus);
  const oversized = customStatusRefusal(customStatus);
  if (oversized) return { episode: finished(base, "Failed", failedWith(record.name, oversized)), ...nothingMore };
  const host: HostReplayResult = replayHost({
    history: record.history,
    newEvents,
    newEventsFrom: record.history.length,
    actions: state.actions[0] ?? [],
    executionId: record.executionId,
    ...(env.knownFunctions ? { functions: env.knownFunctions() } : {}),
  });
  const withStatus = { ...base, customStatus };
  const decisions = host.decisions.map((action) => decisionEvent(action, now));
  const result = { decisions: host.decisions, warnings: host.warnings };
  if (host.failure !== undefined) {
    return { ...result, decisions: [], episode: finished(withStatus, "Failed", JSON.stringify(host.failure)) };
  }
  if (host.refusal !== undefined) {
    return { ...result, decisions: [], episode: finished(withStatus, "Failed", failedWith(record.name, host.refusal)) };
  }
  const openCount = host.open.activities.length + host.open.timers.length + host.open.subOrchestrations.length;
  // DTFx completes an instance only when the shim is through its actions and no task is open (REFERENCE §2).
  if (host.actionsReplayed && openCount === 0 && (outcome.threw || state.isDone)) {
    if (outcome.threw) {
      return {
        ...result,
        episode: finished(withStatus, "Failed", failedWith(record.name, state.error ?? "unknown error"), decisions),
      };
    }
    if (host.continueAsNew) {
      return {
        ...result,
        episode: finished(withStatus, "ContinuedAsNew", host.continueAsNew.input, decisions),
        continueAsNew: { input: host.continueAsNew.input, carriedEvents: host.unconsumedEvents },
      };
    }
    const output = state.output === undefined ? null : JSON.stringify(state.output);
    return { ...result, episode: finished(withStatus, "Completed", output, decisions) };
  }
  return {
    ...result,
    episode: {
      ...withStatus,
      status: "Running",
      output: null,
      events: [...decisions, historyEvent(EventType.OrchestratorCompleted, now, {})],
      pending: {
        activities: host.open.activities,
        timers: host.open.timers.map((t) => t.id),
        subOrchestrations: host.open.subOrchestrations,
      },
    },
  };
}
