/**
 * An orchestration instance as the runtime keeps it, and the status document Durable's HTTP API returns for it
 * (extension HttpApiHandler.ConvertFrom and DurableClient.GetDurableOrchestrationStatusAsync).
 */
import { LocalRuntimeError } from "./errors.js";
import { EventType, eventTypeNames, historyEvent, type HistoryEvent, type InboxEvent } from "./history.js";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Terminated";
export const runtimeStatuses: readonly RuntimeStatus[] = [
  "Pending",
  "Running",
  "Completed",
  "ContinuedAsNew",
  "Failed",
  "Terminated",
];

export const isFinished = (status: RuntimeStatus): boolean =>
  status === "Completed" || status === "Failed" || status === "Terminated";

/** Sequence ids of the work still outstanding after the last episode; details come from history. */
export interface PendingWork {
  activities: number[];
  timers: number[];
  subOrchestrations: number[];
}

export interface ParentRef {
  instanceId: string;
  executionId: string;
  name: string;
  taskScheduledId: number;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  /** Input, output and custom status as JSON text, as DurableTask.Core stores them. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: number;
  lastUpdatedTime: number;
  parent: ParentRef | null;
  history: HistoryEvent[];
  inbox: InboxEvent[];
  pending: PendingWork;
}

/** One committed episode: the consumed inbox prefix, the events it added and the state it left. */
export interface EpisodeRecord {
  consumed: number;
  startedAt: number;
  events: HistoryEvent[];
  status: RuntimeStatus;
  output: string | null;
  customStatus: string | null;
  pending: PendingWork;
}

export const noPendingWork = (): PendingWork => ({ activities: [], timers: [], subOrchestrations: [] });

/** The single way an episode changes an instance, used after a commit and when a journal is loaded. */
export function applyEpisode(record: InstanceRecord, episode: EpisodeRecord): void {
  const consumed = record.inbox.splice(0, episode.consumed);
  record.history.push(
    historyEvent(EventType.OrchestratorStarted, episode.startedAt, {}),
    ...consumed,
    ...episode.events,
  );
  record.status = episode.status;
  record.output = episode.output;
  record.customStatus = episode.customStatus;
  record.pending = episode.pending;
  record.lastUpdatedTime = episode.startedAt;
}

const INSTANCE_ID_MAX = 256;

/** DurableTask rules: 1–256 characters, no control characters, no `/ \ # ?`, not starting with `@` (entities). */
export function validateInstanceId(instanceId: string): void {
  // eslint-disable-next-line no-control-regex
  const invalid = /[\u0000-\u001f\u007f/\\#?]/.test(instanceId);
  if (instanceId.length === 0 || instanceId.length > INSTANCE_ID_MAX || invalid || instanceId.startsWith("@")) {
    throw new LocalRuntimeError(
      "bad-request",
      `Invalid instance id '${instanceId}': use 1-${INSTANCE_ID_MAX} characters without control characters, ` +
        "'/', '\\', '#' or '?', not starting with '@'.",
    );
  }
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

export interface StatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  showInput?: boolean;
}

/** JSON text back to a value; text that is not JSON (a terminate reason) stays a string, as ParseToJToken does. */
export function parseJsonText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** .NET's `ToString("s") + "Z"`: second precision. */
const statusTime = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");

export function toStatus(record: InstanceRecord, options: StatusOptions = {}): InstanceStatus {
  const showInput = options.showInput ?? true;
  return {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.status,
    input: showInput ? parseJsonText(record.input) : null,
    customStatus: parseJsonText(record.customStatus),
    output: parseJsonText(record.output),
    createdTime: statusTime(record.createdTime),
    lastUpdatedTime: statusTime(record.lastUpdatedTime),
    ...(options.showHistory && record.status !== "Pending"
      ? { historyEvents: historyForStatus(record.history, options.showHistoryOutput ?? false, showInput) }
      : {}),
  };
}

/**
 * The extension's history view: event types by name, scheduling events folded into their completions
 * (FunctionName, ScheduledTime), OrchestratorStarted/Completed dropped, outputs only with showHistoryOutput.
 */
export function historyForStatus(
  history: readonly HistoryEvent[],
  showHistoryOutput: boolean,
  showInput: boolean,
): Record<string, unknown>[] {
  const scheduled = new Map<string, { index: number; name: string; time: string; input: string | null }>();
  const dropped = new Set<number>();
  const items = history.map((event, index) => {
    const item: Record<string, unknown> = { ...event, EventType: eventTypeNames[event.EventType] ?? event.EventType };
    const foldInto = (prefix: string, taskScheduledId: number, isCompletion: boolean): void => {
      const source = scheduled.get(`${prefix}_${taskScheduledId}`);
      if (source) {
        item.ScheduledTime = source.time;
        item.FunctionName = source.name;
        if (showInput) item.Input = source.input;
        dropped.add(source.index);
      }
      delete item.TaskScheduledId;
      if (isCompletion) {
        if (showHistoryOutput) item.Result = parseJsonText(item.Result as string | null);
        else delete item.Result;
      }
    };
    switch (event.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(`${event.EventType}_${event.EventId}`, {
          index,
          name: event.Name,
          time: event.Timestamp,
          input: event.Input,
        });
        delete item.Version;
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
        foldInto(String(EventType.TaskScheduled), event.TaskScheduledId, event.EventType === EventType.TaskCompleted);
        break;
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        foldInto(
          String(EventType.SubOrchestrationInstanceCreated),
          event.TaskScheduledId,
          event.EventType === EventType.SubOrchestrationInstanceCompleted,
        );
        break;
      case EventType.ExecutionStarted:
        item.FunctionName = event.Name;
        for (const key of ["Name", "OrchestrationInstance", "ParentInstance", "Version"]) delete item[key];
        break;
      case EventType.ExecutionCompleted:
        if (showHistoryOutput) item.Result = parseJsonText(event.Result);
        else delete item.Result;
        break;
      case EventType.TimerFired:
        delete item.TimerId;
        break;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        dropped.add(index);
        break;
    }
    if (!showInput) delete item.Input;
    delete item.EventId;
    delete item.IsPlayed;
    return item;
  });
  return items.filter((_, index) => !dropped.has(index));
}
