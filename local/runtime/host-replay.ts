/**
 * The host's share of an episode. In Azure the Durable extension replays the actions the JavaScript orchestrator
 * returned against DurableTask.Core: its OutOfProcOrchestrationShim awaits the actions one by one (compound actions as
 * Task.WhenAny/WhenAll), DTFx assigns sequence ids as calls happen and checks every scheduling event in history
 * against the action with the same id, the RetryInterceptor runs retries as activity + timer pairs, and long timers
 * become a chain of sub-timers. This module re-enacts that replay so that ids, retries, timers and the
 * non-determinism check behave as they do in Azure (REFERENCE §2; extension OutOfProcOrchestrationShim.cs,
 * DurableOrchestrationContext.cs; DurableTask.Core TaskOrchestrationContext.cs, RetryInterceptor.cs).
 */
import {
  ActionType,
  EventType,
  type EventRaisedEvent,
  type HistoryEvent,
  type WireAction,
  type WireRetryOptions,
} from "./history.js";

const DAY_MS = 86_400_000;
/** `maximumShortTimerDuration` and `longRunningTimerIntervalDuration` sent to the library (Azure Storage values). */
export const MAX_SHORT_TIMER_MS = 6 * DAY_MS;
export const LONG_TIMER_INTERVAL_MS = 3 * DAY_MS;

export interface PlannedActivity {
  kind: "activity";
  id: number;
  name: string;
  input: string | null;
}
export interface PlannedTimer {
  kind: "timer";
  id: number;
  fireAt: number;
}
export interface PlannedSubOrchestration {
  kind: "subOrchestration";
  id: number;
  name: string;
  instanceId: string;
  input: string | null;
}
export type PlannedAction = PlannedActivity | PlannedTimer | PlannedSubOrchestration;

export interface OpenWork {
  activities: number[];
  timers: { id: number; fireAt: number }[];
  subOrchestrations: number[];
}

/** The functions the host knows, by kind: it refuses to schedule any other (see `FunctionCheck`). */
export interface KnownFunctions {
  activities: readonly string[];
  orchestrators: readonly string[];
}

export interface HostReplayInput {
  history: readonly HistoryEvent[];
  /**
   * This episode's new events, replayed after `history` (then `newEventsFrom` is `history.length`): the runtime
   * passes an instance's history and its new events as they are, without joining them into one more array.
   */
  newEvents?: readonly HistoryEvent[];
  /** When given, calls to functions not in it fail the orchestration as the extension does. */
  functions?: KnownFunctions;
  /** Index of this episode's OrchestratorStarted: events before it were played in earlier episodes. */
  newEventsFrom: number;
  actions: readonly WireAction[];
  executionId: string;
}

export interface HostReplayResult {
  /** Actions not yet recorded in history, in id order: the episode's decisions. */
  decisions: PlannedAction[];
  /** Tasks DTFx still counts as open; the instance cannot complete while any remain. */
  open: OpenWork;
  /** The shim got through every action (it awaits each one in turn). */
  actionsReplayed: boolean;
  continueAsNew?: { input: string | null };
  /** Events that reached the host after continueAsNew, in arrival order (carried into the next execution). */
  unconsumedEvents: EventRaisedEvent[];
  /** Set when history contradicts the replayed actions; the instance fails with this message. */
  failure?: string;
  /**
   * Set when the extension refused an action while replaying it (an unknown function, a delay the storage
   * provider cannot hold); the orchestrator function fails with this message (TaskOrchestrationShim wraps it as
   * "Orchestrator function '<name>' failed: <message>").
   */
  refusal?: string;
  warnings: string[];
}

type Outcome = "succeeded" | "failed" | "canceled";

/** A .NET Task as DTFx runs it: continuations run synchronously, in order, when it settles. */
class Signal {
  outcome: Outcome | undefined;
  private continuations: (() => void)[] = [];

  static settled(outcome: Outcome): Signal {
    const signal = new Signal();
    signal.outcome = outcome;
    return signal;
  }

  get done(): boolean {
    return this.outcome !== undefined;
  }

  settle(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    const continuations = this.continuations;
    this.continuations = [];
    for (const continuation of continuations) continuation();
  }

  then(continuation: () => void): void {
    if (this.outcome) continuation();
    else this.continuations.push(continuation);
  }
}

class ReplayFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayFailure";
  }
}

/** An ArgumentException the extension throws from inside the shim's replay of an action. */
class ActionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ActionRefused";
  }
}

/** Lower-cased names of each list of known functions, built once per list (an episode checks every action). */
const lowerCasedNames = new WeakMap<readonly string[], Set<string>>();

function lowerCased(names: readonly string[]): Set<string> {
  let set = lowerCasedNames.get(names);
  if (!set) {
    set = new Set(names.map((n) => n.toLowerCase()));
    lowerCasedNames.set(names, set);
  }
  return set;
}

/**
 * DurableTaskExtension.ThrowIfFunctionDoesNotExist, called by DurableOrchestrationContext.CallDurableTaskFunctionAsync
 * each time an action is replayed: an unknown name fails the orchestration, it is no catchable task failure.
 */
function checkFunctionExists(known: KnownFunctions | undefined, kind: "activity" | "orchestrator", name: string): void {
  if (!known) return;
  const names = kind === "activity" ? known.activities : known.orchestrators;
  if (lowerCased(names).has(name.toLowerCase())) return;
  const list =
    names.length > 0
      ? `The following are the known ${kind} functions: '${names.join("', '")}'.`
      : `No ${kind} functions are currently registered!`;
  throw new ActionRefused(
    `The function '${name}' doesn't exist, is disabled, or is not an ${kind} function. Additional info: ${list}`,
  );
}

/**
 * AzureStorageDurabilityProvider.ValidateDelayTime (MaximumDelayTime 6 days), applied by CallDurableTaskFunctionAsync
 * to a retry's first and maximum intervals.
 */
function checkRetryDelays(options: WireRetryOptions): void {
  for (const ms of [options.maxRetryIntervalInMilliseconds, options.firstRetryIntervalInMilliseconds]) {
    if (ms !== undefined && ms > MAX_SHORT_TIMER_MS)
      throw new ActionRefused(
        `The Azure Storage provider supports a maximum of ${MAX_SHORT_TIMER_MS / DAY_MS} days for time-based delays`,
      );
  }
}

interface OpenTask {
  kind: PlannedAction["kind"];
  signal: Signal;
  fireAt: number | undefined;
}

const nameOf = (action: PlannedAction): string => (action.kind === "timer" ? "" : action.name);

const describe = (kind: PlannedAction["kind"], name: string): string =>
  kind === "timer" ? "a timer" : `${kind === "activity" ? "activity" : "sub-orchestration"} '${name}'`;

/** JS sends string inputs of activities and continueAsNew already as JSON text (`Utils.processInput`). */
function jsonTextOf(input: unknown, stringsAreJson: boolean): string | null {
  if (input === undefined) return null;
  if (stringsAreJson && typeof input === "string") return input;
  return JSON.stringify(input);
}

/** RetryInterceptor.ComputeNextDelay: zero means "stop retrying". */
export function retryDelay(options: WireRetryOptions, attempt: number, firstAttemptAt: number, now: number): number {
  const timeout = options.retryTimeoutInMilliseconds;
  if (timeout !== undefined && timeout > 0 && !(now < firstAttemptAt + timeout)) return 0;
  const delay = options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** attempt;
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 && !(delay < cap) ? cap : delay;
}

class HostReplay {
  private nextId = 0;
  /** The current OrchestratorStarted's Timestamp, parsed only when an action needs the time (timers, retries). */
  private nowText = "";
  private parsedText: string | undefined;
  private parsedNow = 0;
  private replaying = true;
  private readonly planned = new Map<number, PlannedAction>();
  /**
   * Inputs of planned actions as the orchestrator sent them, turned into JSON text only for the actions that are
   * decisions in the end: those replayed against history are matched by kind and name alone.
   */
  private readonly rawInputs = new Map<number, unknown>();
  private readonly open = new Map<number, OpenTask>();
  private readonly waiters = new Map<string, Signal[]>();
  private readonly buffered = new Map<string, EventRaisedEvent[]>();
  private readonly carried: EventRaisedEvent[] = [];
  private continueAsNew: { input: string | null } | undefined;
  private actionIndex = 0;
  private actionsReplayed = false;
  private readonly warnings: string[] = [];
  /** Names this replay has checked against the known functions already, by kind. */
  private readonly checked = { activity: new Set<string>(), orchestrator: new Set<string>() };

  constructor(private readonly input: HostReplayInput) {}

  /** DTFx's CurrentUtcDateTime: the Timestamp of the episode's OrchestratorStarted being replayed (0 before any). */
  private get now(): number {
    if (this.parsedText !== this.nowText) {
      this.parsedText = this.nowText;
      this.parsedNow = this.nowText === "" ? 0 : Date.parse(this.nowText);
    }
    return this.parsedNow;
  }

  run(): HostReplayResult {
    let failure: string | undefined;
    let refusal: string | undefined;
    try {
      const { history, newEvents, newEventsFrom } = this.input;
      for (let index = 0; index < history.length; index += 1) {
        this.replaying = index < newEventsFrom;
        this.process(history[index]!);
      }
      if (newEvents) {
        this.replaying = false;
        for (const event of newEvents) this.process(event);
      }
    } catch (error) {
      if (error instanceof ReplayFailure) failure = error.message;
      else if (error instanceof ActionRefused) refusal = error.message;
      else throw error;
    }
    const open: OpenWork = { activities: [], timers: [], subOrchestrations: [] };
    for (const [id, task] of this.open) {
      if (task.kind === "activity") open.activities.push(id);
      else if (task.kind === "timer") open.timers.push({ id, fireAt: task.fireAt ?? this.now });
      else open.subOrchestrations.push(id);
    }
    const decisions = [...this.planned.values()];
    for (const action of decisions) {
      if (action.kind !== "timer") action.input = jsonTextOf(this.rawInputs.get(action.id), action.kind === "activity");
    }
    return {
      decisions,
      open,
      actionsReplayed: this.actionsReplayed,
      ...(this.continueAsNew ? { continueAsNew: this.continueAsNew } : {}),
      // Events raised before continueAsNew that no wait took are dropped: the shim calls ContinueAsNew(input), whose
      // preserveUnprocessedEvents is false (DurableOrchestrationContext.ContinueAsNew/RescheduleBufferedExternalEvents).
      unconsumedEvents: [...this.carried],
      ...(failure === undefined ? {} : { failure }),
      ...(refusal === undefined ? {} : { refusal }),
      warnings: this.warnings,
    };
  }

  private process(event: HistoryEvent): void {
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
        this.nowText = event.Timestamp;
        return;
      case EventType.ExecutionStarted:
        this.replayActions();
        return;
      case EventType.TaskScheduled:
        return this.matchScheduled(event, "activity", event.Name);
      case EventType.TimerCreated:
        this.matchScheduled(event, "timer", "");
        return this.updateFireAt(event.EventId, Date.parse(event.FireAt));
      case EventType.SubOrchestrationInstanceCreated:
        return this.matchScheduled(event, "subOrchestration", event.Name);
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        return this.complete(event.TaskScheduledId, "succeeded");
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        return this.complete(event.TaskScheduledId, "failed");
      case EventType.TimerFired:
        return this.complete(event.TimerId, "succeeded");
      case EventType.EventRaised:
        // DTFx keeps events that arrive after continueAsNew for the next execution.
        if (!this.continueAsNew) return this.raise(event);
        this.carried.push(event);
        this.warnings.push(
          `Event '${event.Name}' reached the host's replay after continueAsNew, so DTFx carries it into the next ` +
            "execution; if the orchestrator already consumed it (e.g. Task.any with a cancelled timer), the next " +
            "execution receives it again (azure-functions-durable-extension#2606).",
        );
        return;
      default:
        return;
    }
  }

  /**
   * DTFx HandleTaskScheduledEvent / HandleTimerCreatedEvent / HandleSubOrchestrationCreatedEvent: the action with the
   * event's sequence id must be of its kind and name (compared case-insensitively).
   */
  private matchScheduled(event: HistoryEvent, kind: PlannedAction["kind"], name: string): void {
    const id = event.EventId;
    const replayed = this.planned.get(id);
    const matches =
      replayed !== undefined &&
      replayed.kind === kind &&
      (nameOf(replayed) === name || nameOf(replayed).toLowerCase() === name.toLowerCase());
    if (!matches) {
      throw new ReplayFailure(
        `Non-Deterministic workflow detected: history has ${describe(kind, name)} at sequence ID ${id}, but the ` +
          `current replay of the orchestrator ${replayed ? `scheduled ${describe(replayed.kind, nameOf(replayed))} there` : "has not scheduled it"}. ` +
          "Was a change made to the orchestrator code after this instance had already started running?",
      );
    }
    this.planned.delete(id);
    this.rawInputs.delete(id);
  }

  private updateFireAt(id: number, fireAt: number): void {
    const task = this.open.get(id);
    if (task) task.fireAt = fireAt;
  }

  private complete(id: number, outcome: Outcome): void {
    const task = this.open.get(id);
    if (!task) return; // DTFx ignores results of tasks it no longer waits for (cancelled timers, duplicates)
    this.open.delete(id);
    task.signal.settle(outcome);
  }

  /** OutOfProcOrchestrationShim.ProcessAsyncActionsV2: invoke each action, await it, ignore its exception. */
  private replayActions(): void {
    const actions = this.input.actions;
    while (this.actionIndex < actions.length) {
      const action = actions[this.actionIndex++];
      if (!action) continue;
      const signal = this.invoke(action);
      if (!signal.done) {
        signal.then(() => this.replayActions());
        return;
      }
    }
    this.actionsReplayed = true;
  }

  private invoke(action: WireAction): Signal {
    switch (action.actionType) {
      case ActionType.CallActivity:
        return this.scheduleActivity(action);
      case ActionType.CallActivityWithRetry:
        return this.withRetry(action, () => this.scheduleActivity(action));
      case ActionType.CallSubOrchestrator:
        return this.scheduleSubOrchestration(action);
      case ActionType.CallSubOrchestratorWithRetry:
        return this.withRetry(action, () => this.scheduleSubOrchestration(action));
      case ActionType.ContinueAsNew:
        this.continueAsNew = { input: jsonTextOf(action.input, true) };
        return Signal.settled("succeeded");
      case ActionType.CreateTimer:
        return this.durableTimer(action);
      case ActionType.WaitForExternalEvent:
        return this.waitForEvent(action.externalEventName ?? "");
      case ActionType.WhenAny:
        return this.whenAny((action.compoundActions ?? []).map((child) => this.invoke(child)));
      case ActionType.WhenAll:
        return this.whenAll((action.compoundActions ?? []).map((child) => this.invoke(child)));
      default:
        throw new ReplayFailure(
          `The orchestrator used an API the local runtime does not support (action type ${action.actionType}: ` +
            "entities and callHttp are not available locally).",
        );
    }
  }

  private track(action: PlannedAction): Signal {
    const signal = new Signal();
    this.planned.set(action.id, action);
    this.open.set(action.id, {
      kind: action.kind,
      signal,
      fireAt: action.kind === "timer" ? action.fireAt : undefined,
    });
    return signal;
  }

  private checkFunction(kind: "activity" | "orchestrator", name: string): void {
    const checked = this.checked[kind];
    if (checked.has(name)) return;
    checkFunctionExists(this.input.functions, kind, name);
    checked.add(name);
  }

  private scheduleActivity(action: WireAction): Signal {
    const name = action.functionName ?? "";
    this.checkFunction("activity", name);
    const id = this.nextId++;
    this.rawInputs.set(id, action.input);
    return this.track({ kind: "activity", id, name, input: null });
  }

  private scheduleSubOrchestration(action: WireAction): Signal {
    this.checkFunction("orchestrator", action.functionName ?? "");
    const id = this.nextId++;
    this.rawInputs.set(id, action.input);
    return this.track({
      kind: "subOrchestration",
      id,
      name: action.functionName ?? "",
      // DTFx default: `{executionId}:{sequence}` (REFERENCE §2).
      instanceId: action.instanceId || `${this.input.executionId}:${id}`,
      input: null,
    });
  }

  private createTimer(fireAt: number): { id: number; signal: Signal } {
    const id = this.nextId++;
    return { id, signal: this.track({ kind: "timer", id, fireAt }) };
  }

  private cancelTimer(id: number): void {
    const task = this.open.get(id);
    if (!task) return;
    this.open.delete(id);
    task.signal.settle("canceled");
  }

  /** Extension CreateTimer: timers beyond the maximum short duration become a chain of sub-timers. */
  private durableTimer(action: WireAction): Signal {
    const fireAt = Date.parse(action.fireAt ?? "");
    if (Number.isNaN(fireAt)) throw new ReplayFailure(`A timer action has no valid fireAt ('${action.fireAt ?? ""}').`);
    if (fireAt - this.now > MAX_SHORT_TIMER_MS) {
      const result = new Signal();
      let current = -1;
      const next = (intervalFireAt: number): void => {
        const timer = this.createTimer(intervalFireAt);
        current = timer.id;
        timer.signal.then(() => {
          if (timer.signal.outcome === "canceled") return result.settle("canceled");
          const remaining = fireAt - this.now;
          if (remaining <= 0) return result.settle("succeeded");
          next(this.now + Math.min(remaining, LONG_TIMER_INTERVAL_MS));
        });
      };
      next(this.now + LONG_TIMER_INTERVAL_MS);
      // The shim cancels right after the call returns, so only the first sub-timer is ever created.
      if (action.isCanceled) this.cancelTimer(current);
      return result;
    }
    const timer = this.createTimer(fireAt);
    if (action.isCanceled) this.cancelTimer(timer.id);
    return timer.signal;
  }

  /** DTFx RetryInterceptor.Invoke, including the immediate timer after the last failed attempt. */
  private withRetry(action: WireAction, attempt: () => Signal): Signal {
    const options = action.retryOptions;
    if (!options) throw new ReplayFailure(`Retry action for '${action.functionName ?? ""}' has no retryOptions.`);
    checkRetryDelays(options);
    const result = new Signal();
    const firstAttemptAt = this.now;
    const run = (retryCount: number): void => {
      if (retryCount >= options.maxNumberOfAttempts) return result.settle("succeeded");
      const call = attempt();
      call.then(() => {
        if (call.outcome === "succeeded") return result.settle("succeeded");
        if (retryCount + 1 === options.maxNumberOfAttempts) {
          return this.createTimer(this.now).signal.then(() => result.settle("failed"));
        }
        const delay = retryDelay(options, retryCount, firstAttemptAt, this.now);
        if (delay === 0) {
          if (!this.replaying) {
            this.warnings.push(
              `Retries of '${action.functionName ?? ""}' stopped: retryTimeoutInMilliseconds expired. ` +
                "durable-functions 3.x cannot observe this, so the orchestrator keeps waiting (as it would in Azure).",
            );
          }
          return result.settle("failed");
        }
        this.createTimer(this.now + delay).signal.then(() => run(retryCount + 1));
      });
    };
    run(0);
    return result;
  }

  /** Extension WaitForExternalEvent: waiters form a stack per name; events nobody waits for are buffered. */
  private waitForEvent(name: string): Signal {
    const key = name.toLowerCase();
    const signal = new Signal();
    const stack = this.waiters.get(key) ?? [];
    stack.push(signal);
    this.waiters.set(key, stack);
    const queued = this.buffered.get(key);
    const event = queued?.shift();
    if (queued && queued.length === 0) this.buffered.delete(key);
    if (event) this.raise(event);
    return signal;
  }

  private raise(event: EventRaisedEvent): void {
    const key = event.Name.toLowerCase();
    const waiter = this.waiters.get(key)?.pop();
    if (waiter) return waiter.settle("succeeded");
    const queue = this.buffered.get(key) ?? [];
    queue.push(event);
    this.buffered.set(key, queue);
  }

  private whenAny(children: Signal[]): Signal {
    const result = new Signal();
    for (const child of children) child.then(() => result.settle("succeeded"));
    return result;
  }

  private whenAll(children: Signal[]): Signal {
    const result = new Signal();
    let remaining = children.length;
    if (remaining === 0) result.settle("succeeded");
    for (const child of children) {
      child.then(() => {
        remaining -= 1;
        if (remaining === 0) result.settle(children.some((c) => c.outcome !== "succeeded") ? "failed" : "succeeded");
      });
    }
    return result;
  }
}

export function replayHost(input: HostReplayInput): HostReplayResult {
  return new HostReplay(input).run();
}
