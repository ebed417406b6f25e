/**
 * Durable Task history events and orchestrator actions in the wire shapes durable-functions 3.x exchanges with the
 * Functions host (DurableTask.Core events serialized by Newtonsoft; the library's schema V3 actions). REFERENCE §2.
 */
import { z } from "zod";

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

export const eventTypeNames: Record<number, string> = Object.fromEntries(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  ScheduledSignalEntity: 10,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export type TerminalStatus = "Completed" | "Failed" | "Terminated" | "ContinuedAsNew";

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable: boolean;
}

export interface OrchestrationInstanceRef {
  InstanceId: string;
  ExecutionId: string;
}

export interface ParentInstance {
  Name: string;
  OrchestrationInstance: OrchestrationInstanceRef;
  TaskScheduleId: number;
}

interface EventBase {
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
}

export interface ExecutionStartedEvent extends EventBase {
  EventType: 0;
  OrchestrationInstance: OrchestrationInstanceRef;
  ParentInstance: ParentInstance | null;
  Name: string;
  Version: string;
  Input: string | null;
}
export interface ExecutionCompletedEvent extends EventBase {
  EventType: 1;
  OrchestrationStatus: TerminalStatus;
  Result: string | null;
}
export interface ExecutionTerminatedEvent extends EventBase {
  EventType: 3;
  Input: string;
}
export interface TaskScheduledEvent extends EventBase {
  EventType: 4;
  Name: string;
  Version: string;
  Input: string | null;
}
export interface TaskCompletedEvent extends EventBase {
  EventType: 5;
  TaskScheduledId: number;
  Result: string;
}
export interface TaskFailedEvent extends EventBase {
  EventType: 6;
  TaskScheduledId: number;
  Reason: string;
  Details: string;
  FailureDetails: FailureDetails | null;
}
export interface SubOrchestrationCreatedEvent extends EventBase {
  EventType: 7;
  Name: string;
  Version: string;
  InstanceId: string;
  Input: string | null;
}
export interface SubOrchestrationCompletedEvent extends EventBase {
  EventType: 8;
  TaskScheduledId: number;
  Result: string;
}
export interface SubOrchestrationFailedEvent extends EventBase {
  EventType: 9;
  TaskScheduledId: number;
  Reason: string;
  /** Null (and sent as null) when the sub-orchestration was terminated. */
  Details: string | null;
  FailureDetails: FailureDetails | null;
}
export interface TimerCreatedEvent extends EventBase {
  EventType: 10;
  FireAt: string;
}
export interface TimerFiredEvent extends EventBase {
  EventType: 11;
  TimerId: number;
  FireAt: string;
}
export interface OrchestratorStartedEvent extends EventBase {
  EventType: 12;
}
export interface OrchestratorCompletedEvent extends EventBase {
  EventType: 13;
}
export interface EventRaisedEvent extends EventBase {
  EventType: 15;
  Name: string;
  Input: string | null;
}

export type HistoryEvent =
  | ExecutionStartedEvent
  | ExecutionCompletedEvent
  | ExecutionTerminatedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationCreatedEvent
  | SubOrchestrationCompletedEvent
  | SubOrchestrationFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | EventRaisedEvent;

/** Events that reach an instance from outside an episode: they wait in its inbox until the next episode. */
export type InboxEvent =
  | ExecutionStartedEvent
  | ExecutionTerminatedEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationCompletedEvent
  | SubOrchestrationFailedEvent
  | TimerFiredEvent
  | EventRaisedEvent;

/** The event types that reach an instance from outside (its inbox), and those its own decisions add to history. */
export const INBOX_EVENT_TYPES: readonly number[] = [
  EventType.ExecutionStarted,
  EventType.ExecutionTerminated,
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
  EventType.TimerFired,
  EventType.EventRaised,
];
export const DECISION_EVENT_TYPES: readonly number[] = [
  EventType.TaskScheduled,
  EventType.TimerCreated,
  EventType.SubOrchestrationInstanceCreated,
];

let lastIso: { at: number; text: string } | undefined;

/** ISO 8601 text of an epoch time; the last one is remembered, as an episode stamps all its events alike. */
export function isoTime(epochMs: number): string {
  if (lastIso?.at !== epochMs) lastIso = { at: epochMs, text: new Date(epochMs).toISOString() };
  return lastIso.text;
}

type EventOf<T extends HistoryEvent["EventType"]> = Extract<HistoryEvent, { EventType: T }>;
type Fields<T extends HistoryEvent["EventType"]> = Omit<EventOf<T>, keyof EventBase | "EventType">;

/** Builds an event with the common fields; `eventId` is the sequence number for scheduling events, else -1. */
export function historyEvent<T extends HistoryEvent["EventType"]>(
  type: T,
  at: number,
  fields: Fields<T>,
  eventId = -1,
): EventOf<T> {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: isoTime(at), ...fields } as EventOf<T>;
}

/**
 * A .NET exception as the extension's error converter writes it into `Details` (DurableTask.Core
 * `Utils.SerializeCause`; Json.NET with type names, the ISerializable shape of System.Exception).
 */
function serializedException(type: string, message: string, inner: string | null = null): string {
  const [className = type, assembly = "System.Private.CoreLib"] = type.split(", ");
  return JSON.stringify({
    $type: `${className}, ${assembly}`,
    ClassName: className,
    Message: message,
    Data: null,
    InnerException: inner === null ? null : (JSON.parse(inner) as unknown),
    HelpURL: null,
    StackTraceString: null,
    RemoteStackTraceString: null,
    RemoteStackIndex: 0,
    ExceptionMethod: null,
    HResult: -2146233088,
    Source: null,
    WatsonBuckets: null,
  });
}

const RPC_EXCEPTION = "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script";

/**
 * A failed activity as the Durable extension reports it to an out-of-process orchestrator. The Functions host wraps
 * the worker's error in an RpcException whose message is `Result: Failure\nException: {message}\nStack: {stack}`
 * (azure-functions-host Workers/Rpc/RpcException.cs); the extension's TaskActivityShim takes the text between
 * `\nException:` and `\nStack:` as the friendly message (OutOfProcExceptionHelpers.cs, leading space included) and
 * fails the task with `Reason` "Activity function '<name>' failed: <friendly>" and the serialized exception as
 * `Details`; `FailureDetails` stays null (azure-functions-durable-extension Listener/TaskActivityShim.cs). The
 * durable-functions library then hands the orchestrator `new Error(`${Reason} \n ${Details}`)`
 * (TaskOrchestrationExecutor.js). An activity that no longer exists fails the same way with the message
 * "Activity function '<name>' does not exist." (Listener/TaskNonexistentActivityShim.cs).
 */
export function activityFailed(
  taskScheduledId: number,
  name: string,
  error: unknown,
  at: number,
  missing = false,
): TaskFailedEvent {
  const err = error instanceof Error ? error : new Error(String(error));
  if (missing) {
    const message = `Activity function '${name}' does not exist.`;
    return historyEvent(EventType.TaskFailed, at, {
      TaskScheduledId: taskScheduledId,
      Reason: `Activity function '${name}' failed: ${message}`,
      Details: serializedException(
        "Microsoft.Azure.WebJobs.Extensions.DurableTask.FunctionFailedException, Microsoft.Azure.WebJobs.Extensions.DurableTask",
        message,
      ),
      FailureDetails: null,
    });
  }
  const rpc = `Result: Failure\nException: ${err.message}\nStack: ${err.stack ?? ""}`;
  const friendly = rpc.slice(rpc.indexOf("\nException:") + "\nException:".length, rpc.indexOf("\nStack:"));
  return historyEvent(EventType.TaskFailed, at, {
    TaskScheduledId: taskScheduledId,
    Reason: `Activity function '${name}' failed: ${friendly}`,
    Details: serializedException("System.Exception", friendly, serializedException(RPC_EXCEPTION, rpc)),
    FailureDetails: null,
  });
}

/**
 * How a failed or terminated sub-orchestration reaches its parent: DTFx passes the child's failure reason and
 * details on (TaskOrchestrationDispatcher), with no FailureDetails for the extension's out-of-process orchestrators.
 */
export function subOrchestrationFailed(
  taskScheduledId: number,
  message: string,
  at: number,
  details = "",
): SubOrchestrationFailedEvent {
  return historyEvent(EventType.SubOrchestrationInstanceFailed, at, {
    TaskScheduledId: taskScheduledId,
    Reason: message,
    Details: details,
    FailureDetails: null,
  });
}

/**
 * How a terminated sub-orchestration reaches its parent. DurableTask.Core ends a terminated instance through
 * TaskOrchestrationContext.HandleExecutionTerminatedEvent -> CompleteOrchestration(reason, null, Terminated), and
 * TaskOrchestrationDispatcher.ProcessWorkflowCompletedTaskDecision turns that into a SubOrchestrationInstanceFailed
 * event whose Reason is the terminate reason itself, with Details and FailureDetails null; the extension hands the
 * history to the JS worker with Json.NET defaults (OrchestrationTriggerAttributeBindingProvider), so both are null.
 */
export function subOrchestrationTerminated(
  taskScheduledId: number,
  reason: string,
  at: number,
): SubOrchestrationFailedEvent {
  return historyEvent(EventType.SubOrchestrationInstanceFailed, at, {
    TaskScheduledId: taskScheduledId,
    Reason: reason,
    Details: null,
    FailureDetails: null,
  });
}

const retryOptionsSchema = z.object({
  firstRetryIntervalInMilliseconds: z.number(),
  maxNumberOfAttempts: z.number(),
  backoffCoefficient: z.number().optional(),
  maxRetryIntervalInMilliseconds: z.number().optional(),
  retryTimeoutInMilliseconds: z.number().optional(),
});
export type WireRetryOptions = z.infer<typeof retryOptionsSchema>;

export interface WireAction {
  actionType: number;
  functionName?: string | undefined;
  input?: unknown;
  retryOptions?: WireRetryOptions | undefined;
  instanceId?: string | null | undefined;
  fireAt?: string | undefined;
  isCanceled?: boolean | undefined;
  externalEventName?: string | undefined;
  compoundActions?: WireAction[] | undefined;
}

const actionSchema: z.ZodType<WireAction> = z.lazy(() =>
  z.object({
    actionType: z.number().int(),
    functionName: z.string().optional(),
    input: z.unknown().optional(),
    retryOptions: retryOptionsSchema.optional(),
    instanceId: z.string().nullish(),
    fireAt: z.string().optional(),
    isCanceled: z.boolean().optional(),
    externalEventName: z.string().optional(),
    compoundActions: z.array(actionSchema).optional(),
  }),
);

/** What the orchestrator handler returns (or carries in `$OutOfProcData$`), after a JSON round trip. */
export const orchestratorStateSchema = z.object({
  isDone: z.boolean(),
  actions: z.array(z.array(actionSchema)),
  output: z.unknown().optional(),
  error: z.string().optional(),
  customStatus: z.unknown().optional(),
  schemaVersion: z.number(),
});
export type OrchestratorState = z.infer<typeof orchestratorStateSchema>;
