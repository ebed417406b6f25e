/**
 * An orchestration instance as the runtime keeps it, and the status document Durable's HTTP API returns for it
 * (extension HttpApiHandler.ConvertFrom and DurableClient.GetDurableOrchestrationStatusAsync).
 */
import { randomUUID } from "node:crypto";
import { LocalRuntimeError } from "./errors.js";
import {
  EventType,
  eventTypeNames,
  historyEvent,
  type EventRaisedEvent,
  type HistoryEvent,
  type InboxEvent,
} from "./history.js";

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

/** DurableTask.Core execution ids are GUIDs in "N" format. */
const newExecutionId = (): string => randomUUID().replaceAll("-", "");

function executionStarted(record: Omit<InstanceRecord, "inbox">, at: number, version: string): InboxEvent {
  const { parent } = record;
  return historyEvent(EventType.ExecutionStarted, at, {
    OrchestrationInstance: { InstanceId: record.instanceId, ExecutionId: record.executionId },
    ParentInstance: parent && {
      Name: parent.name,
      OrchestrationInstance: { InstanceId: parent.instanceId, ExecutionId: parent.executionId },
      TaskScheduleId: parent.taskScheduledId,
    },
    Name: record.name,
    Version: version,
    Input: record.input,
  });
}

/** A Pending instance whose inbox holds its ExecutionStarted event. */
export function newInstanceRecord(
  instanceId: string,
  name: string,
  input: string | null,
  parent: ParentRef | null,
  now: number,
  version = "",
): InstanceRecord {
  const record = {
    instanceId,
    name,
    executionId: newExecutionId(),
    status: "Pending" as const,
    input,
    output: null,
    customStatus: null,
    createdTime: now,
    lastUpdatedTime: now,
    parent,
    history: [],
    pending: noPendingWork(),
  };
  return { ...record, inbox: [executionStarted(record, now, version)] };
}

/**
 * The next execution after continueAsNew: fresh history, new execution id, carried and unprocessed events kept. Its
 * creation time is the new ExecutionStarted event's: Azure Storage's AzureTableTrackingStore.UpdateStateAsync sets
 * the instance's CreatedTime from each ExecutionStarted it writes, and DurableTask.Core's TaskOrchestrationDispatcher
 * starts every continued execution with a new one.
 */
export function continuedRecord(
  old: InstanceRecord,
  input: string | null,
  customStatus: string | null,
  carried: readonly EventRaisedEvent[],
  unprocessed: readonly InboxEvent[],
  now: number,
): InstanceRecord {
  const record = {
    ...old,
    executionId: newExecutionId(),
    status: "ContinuedAsNew" as const,
    input,
    output: null,
    customStatus,
    createdTime: now,
    lastUpdatedTime: now,
    history: [],
    pending: noPendingWork(),
  };
  const kept = carried.map((event) => ({ ...event, IsPlayed: false }));
  // The next execution keeps the instance's version (TaskOrchestrationContext.ContinueAsNew without a new version).
  return { ...record, inbox: [executionStarted(record, now, versionOf(old)), ...kept, ...unprocessed] };
}

export interface ResumableWork {
  activities: { id: number; name: string; input: string | null }[];
  timers: { id: number; fireAt: number }[];
  subOrchestrations: { id: number; name: string; instanceId: string; input: string | null }[];
}

/** What was outstanding when the last runtime stopped and has no answer in the inbox yet. */
export function workToResume(record: InstanceRecord): ResumableWork {
  const work: ResumableWork = { activities: [], timers: [], subOrchestrations: [] };
  if (record.status !== "Running") return work;
  const answered = new Set(
    record.inbox.map((e) =>
      e.EventType === EventType.TimerFired ? e.TimerId : "TaskScheduledId" in e ? e.TaskScheduledId : -1,
    ),
  );
  const scheduled = new Map(record.history.filter((e) => e.EventId >= 0).map((e) => [e.EventId, e]));
  const open = (ids: number[]): HistoryEvent[] =>
    ids.filter((id) => !answered.has(id)).flatMap((id) => scheduled.get(id) ?? []);
  for (const event of open([
    ...record.pending.activities,
    ...record.pending.timers,
    ...record.pending.subOrchestrations,
  ])) {
    if (event.EventType === EventType.TaskScheduled) {
      work.activities.push({ id: event.EventId, name: event.Name, input: event.Input });
    } else if (event.EventType === EventType.TimerCreated) {
      work.timers.push({ id: event.EventId, fireAt: Date.parse(event.FireAt) });
    } else if (event.EventType === EventType.SubOrchestrationInstanceCreated) {
      work.subOrchestrations.push({
        id: event.EventId,
        name: event.Name,
        instanceId: event.InstanceId,
        input: event.Input,
      });
    }
  }
  return work;
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

const isStarted = (event: HistoryEvent): boolean => event.EventType === EventType.ExecutionStarted;

/** The orchestration version the instance was created with (its ExecutionStarted's Version). */
export function versionOf(record: InstanceRecord): string {
  // Asked before every episode: searched in place (history first, it leads), the history is not copied.
  const started = record.history.find(isStarted) ?? record.inbox.find(isStarted);
  return started?.EventType === EventType.ExecutionStarted ? started.Version : "";
}
