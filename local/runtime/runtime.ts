/**
 * The embedded durable runtime: runs the captured orchestrations and activities through the real durable-functions
 * replay engine, keeps instances in a durable store, fires timers from a Clock and serves the app's HTTP routes and
 * Durable's own APIs. Episodes of one instance never overlap; activities run in parallel up to a limit.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { RealClock, type Clock } from "../clock.js";
import { runEpisode, type EpisodeEnvironment, type EpisodeResult } from "./episode.js";
import { errorMessage, LocalRuntimeError } from "./errors.js";
import {
  EventType,
  failureDetails,
  historyEvent,
  isoTime,
  type HistoryEvent,
  type InboxEvent,
} from "./history.js";
import { RuntimeHttpServer } from "./http/server.js";
import { runActivity, type DurableClientData } from "./invoke.js";
import {
  applyEpisode,
  isFinished,
  noPendingWork,
  parseJsonText,
  toStatus,
  validateInstanceId,
  type InstanceRecord,
  type InstanceStatus,
  type ParentRef,
  type RuntimeStatus,
  type StatusOptions,
} from "./instance.js";
import { findFunction, TriggerType } from "./registry.js";
import { InstanceStore, StoreStoppedError } from "./store.js";

export interface LocalRuntimeOptions {
  /** Directory of the durable store (apps use `.local/runtime`). */
  storeDir: string;
  /** RealClock by default; a VirtualClock only moves when `runUntil`/`waitForCompletion` drive it. */
  clock?: Clock;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  activityConcurrency?: number;
  taskHubName?: string;
  /** HTTP route prefix of the app's functions (host.json `extensions.http.routePrefix`). */
  routePrefix?: string;
  log?: (line: string) => void;
  /** Runs the code registered under the value whenever the key is invoked: a redeploy of changed orchestrator code. */
  substitutes?: Record<string, string>;
}

export interface StartOptions {
  instanceId?: string;
  input?: unknown;
}

export interface ListFilter {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  instanceIdPrefix?: string;
  showInput?: boolean;
}

export interface DriveOptions {
  /** Virtual time runUntil may move forward before giving up (default 400 days). */
  maxVirtualMs?: number;
  /** Wall-clock time before giving up (default 60 s). */
  timeoutMs?: number;
}

interface LiveInstance {
  record: InstanceRecord;
  /** Serializes this instance's store writes with the in-memory changes that follow them. */
  chain: Promise<unknown>;
  episodeRunning: boolean;
  timers: Map<number, () => void>;
}

interface ActivityWork {
  instanceId: string;
  executionId: string;
  id: number;
  name: string;
  input: string | null;
}

interface DrivableClock extends Clock {
  nextDue(): number | undefined;
  advanceTo(to: number): void;
}

const isDrivable = (clock: Clock): clock is DrivableClock => "nextDue" in clock && "advanceTo" in clock;
const newExecutionId = (): string => randomUUID().replaceAll("-", "");

export class LocalRuntime {
  readonly systemKey = randomBytes(24).toString("base64url");
  readonly taskHubName: string;
  readonly clock: Clock;
  private readonly instances = new Map<string, LiveInstance>();
  private readonly reserved = new Set<string>();
  private readonly activityQueue: ActivityWork[] = [];
  private readonly activityConcurrency: number;
  private activitiesRunning = 0;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private progressWaiters: (() => void)[] = [];
  private state: "running" | "closing" | "stopped" = "running";
  private readonly log: (line: string) => void;
  private readonly env: EpisodeEnvironment;
  private readonly server: RuntimeHttpServer;

  private constructor(
    private readonly options: LocalRuntimeOptions,
    private readonly store: InstanceStore,
  ) {
    this.clock = options.clock ?? new RealClock();
    this.taskHubName = options.taskHubName ?? "LocalTaskHub";
    this.activityConcurrency = Math.max(1, options.activityConcurrency ?? 8);
    this.log = options.log ?? (() => {});
    this.env = {
      log: this.log,
      clientData: () => this.clientData(),
      codeFor: (name) => options.substitutes?.[name] ?? name,
    };
    this.server = new RuntimeHttpServer(this, { routePrefix: options.routePrefix ?? "api", log: this.log });
  }

  /** Opens the store, resumes every unfinished instance from its history, then serves HTTP. */
  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const store = await InstanceStore.open(options.storeDir);
    const runtime = new LocalRuntime(options, store);
    try {
      await runtime.server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
      await runtime.recover();
    } catch (error) {
      await runtime.kill();
      throw error;
    }
    return runtime;
  }

  get baseUrl(): string {
    return this.server.origin;
  }

  /** What a durableClient input binding receives; its URLs point at this runtime. */
  clientData(): DurableClientData {
    const base = `${this.baseUrl}/runtime/webhooks/durabletask`;
    const code = `code=${this.systemKey}`;
    const query = `taskHub=${this.taskHubName}&connection=Storage&${code}`;
    const instance = `${base}/instances/INSTANCEID`;
    return {
      taskHubName: this.taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
      },
      managementUrls: {
        id: "INSTANCEID",
        statusQueryGetUri: `${instance}?${query}`,
        sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
        terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
        rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
        purgeHistoryDeleteUri: `${instance}?${query}`,
        restartPostUri: `${instance}/restart?${query}`,
        suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
        resumePostUri: `${instance}/resume?reason={text}&${query}`,
      },
      baseUrl: base,
      requiredQueryStringParameters: code,
      rpcBaseUrl: `${this.baseUrl}/durabletask/`,
    };
  }

  async startNew(orchestrator: string, options: StartOptions = {}): Promise<string> {
    if (!findFunction(this.env.codeFor(orchestrator), TriggerType.orchestration)) {
      throw new LocalRuntimeError("bad-request", `No orchestrator function named '${orchestrator}' is registered.`);
    }
    const instanceId = options.instanceId ?? randomUUID().replaceAll("-", "");
    const input = options.input === undefined ? null : JSON.stringify(options.input);
    await this.createInstance(orchestrator, instanceId, input, null);
    return instanceId;
  }

  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    if (!eventName) throw new LocalRuntimeError("bad-request", "An event name is required.");
    const live = this.liveOrThrow(instanceId);
    const input = data === undefined ? null : JSON.stringify(data);
    await this.appendToInbox(live, historyEvent(EventType.EventRaised, this.clock.now(), { Name: eventName, Input: input }));
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const live = this.liveOrThrow(instanceId);
    await this.appendToInbox(live, historyEvent(EventType.ExecutionTerminated, this.clock.now(), { Input: reason }));
  }

  /** Deletes a finished instance and its history. */
  async purge(instanceId: string): Promise<void> {
    const live = this.instances.get(instanceId);
    if (!live) throw new LocalRuntimeError("not-found", `No instance with ID '${instanceId}' found.`);
    if (!isFinished(live.record.status)) {
      throw new LocalRuntimeError("conflict", `Instance '${instanceId}' is ${live.record.status}; only finished instances can be purged.`);
    }
    await this.serial(live, async () => {
      await this.store.remove(instanceId);
      if (this.instances.get(instanceId) === live) this.instances.delete(instanceId);
    });
  }

  getStatus(instanceId: string, options: StatusOptions = {}): Promise<InstanceStatus | undefined> {
    const live = this.instances.get(instanceId);
    return Promise.resolve(live ? toStatus(live.record, options) : undefined);
  }

  list(filter: ListFilter = {}): Promise<InstanceStatus[]> {
    const from = filter.createdTimeFrom?.getTime() ?? -Infinity;
    const to = filter.createdTimeTo?.getTime() ?? Infinity;
    const records = [...this.instances.values()]
      .map((live) => live.record)
      .filter(
        (r) =>
          (!filter.runtimeStatus?.length || filter.runtimeStatus.includes(r.status)) &&
          r.createdTime >= from &&
          r.createdTime <= to &&
          r.instanceId.startsWith(filter.instanceIdPrefix ?? ""),
      )
      .sort((a, b) => a.createdTime - b.createdTime || a.instanceId.localeCompare(b.instanceId));
    return Promise.resolve(records.map((r) => toStatus(r, { showInput: filter.showInput ?? true })));
  }

  /** The current execution's history in wire form (a copy). */
  history(instanceId: string): Promise<HistoryEvent[]> {
    const live = this.liveOrThrow(instanceId);
    return Promise.resolve(structuredClone(live.record.history));
  }

  /** Resolves once no episode, activity or store write is in flight or queued. Never moves the clock. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /**
   * Processes work until `predicate` holds. With a virtual clock, whenever the runtime is idle the clock jumps to the
   * next due timer; with a real clock it waits for progress.
   */
  async runUntil(predicate: () => boolean | Promise<boolean>, options: DriveOptions = {}): Promise<void> {
    const maxVirtualMs = options.maxVirtualMs ?? 400 * 86_400_000;
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const virtualStart = this.clock.now();
    for (;;) {
      if (this.state !== "running") throw new Error("runUntil: the runtime is closed.");
      await this.whenIdle();
      if (await predicate()) return;
      if (Date.now() > deadline) throw new Error(`runUntil: condition not met within ${options.timeoutMs ?? 60_000} ms.`);
      if (isDrivable(this.clock)) {
        const next = this.clock.nextDue();
        if (next === undefined) throw new Error("runUntil: the runtime is idle, no timer is due, and the condition is not met.");
        if (next - virtualStart > maxVirtualMs) {
          throw new Error(`runUntil: the next timer (${isoTime(next)}) is beyond maxVirtualMs; the condition is not met.`);
        }
        this.clock.advanceTo(next);
      } else {
        await this.nextProgress(Math.max(1, Math.min(100, deadline - Date.now())));
      }
    }
  }

  async waitForCompletion(instanceId: string, options: DriveOptions = {}): Promise<InstanceStatus> {
    this.liveOrThrow(instanceId);
    const finished = (): boolean => {
      const record = this.instances.get(instanceId)?.record;
      return !record || isFinished(record.status);
    };
    await this.runUntil(finished, options);
    return toStatus(this.liveOrThrow(instanceId).record);
  }

  /** Stops serving, lets in-flight episodes and activities finish, and leaves queued work in the store. */
  async close(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "closing";
    await this.server.close();
    this.disarmAllTimers();
    while (this.busy > 0) await this.nextProgress(50);
    this.state = "stopped";
    await this.store.stop();
  }

  /** Stops at once, as if the process died: nothing more is written; work under way is lost or re-run later. */
  async kill(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    this.activityQueue.length = 0;
    this.disarmAllTimers();
    await Promise.all([this.server.close(true), this.store.stop()]);
    this.notifyProgress();
  }

  // ---- instances -------------------------------------------------------------------------------------------------

  private liveOrThrow(instanceId: string): LiveInstance {
    const live = this.instances.get(instanceId);
    if (!live) throw new LocalRuntimeError("not-found", `No instance with ID '${instanceId}' found.`);
    return live;
  }

  private serial<T>(live: LiveInstance, op: () => Promise<T>): Promise<T> {
    const run = live.chain.then(op);
    live.chain = run.catch(() => {});
    return run;
  }

  private async createInstance(name: string, instanceId: string, input: string | null, parent: ParentRef | null) {
    validateInstanceId(instanceId);
    const existing = this.instances.get(instanceId);
    if (this.reserved.has(instanceId) || (existing && !isFinished(existing.record.status))) {
      throw new LocalRuntimeError("conflict", `An instance with ID '${instanceId}' already exists and is not finished.`);
    }
    this.reserved.add(instanceId);
    try {
      const now = this.clock.now();
      const executionId = newExecutionId();
      const record: InstanceRecord = {
        instanceId,
        name,
        executionId,
        status: "Pending",
        input,
        output: null,
        customStatus: null,
        createdTime: now,
        lastUpdatedTime: now,
        parent,
        history: [],
        inbox: [this.executionStarted(instanceId, executionId, name, input, parent, now)],
        pending: noPendingWork(),
      };
      const write = (): Promise<void> => this.store.write(record);
      await (existing ? this.serial(existing, write) : write());
      if (existing) this.disarmTimers(existing);
      const live: LiveInstance = { record, chain: Promise.resolve(), episodeRunning: false, timers: new Map() };
      this.instances.set(instanceId, live);
      this.log(`${name} '${instanceId}' scheduled`);
      this.requestEpisode(live);
    } finally {
      this.reserved.delete(instanceId);
    }
  }

  private executionStarted(
    instanceId: string,
    executionId: string,
    name: string,
    input: string | null,
    parent: ParentRef | null,
    at: number,
  ): InboxEvent {
    return historyEvent(EventType.ExecutionStarted, at, {
      OrchestrationInstance: { InstanceId: instanceId, ExecutionId: executionId },
      ParentInstance: parent && {
        Name: parent.name,
        OrchestrationInstance: { InstanceId: parent.instanceId, ExecutionId: parent.executionId },
        TaskScheduleId: parent.taskScheduledId,
      },
      Name: name,
      Version: "",
      Input: input,
    });
  }

  /** Client operations: refused for finished instances (HTTP 410), durable before they return. */
  private async appendToInbox(live: LiveInstance, event: InboxEvent): Promise<void> {
    await this.serial(live, async () => {
      const { record } = live;
      if (isFinished(record.status) || this.instances.get(record.instanceId) !== live) {
        throw new LocalRuntimeError("gone", `Instance '${record.instanceId}' is ${record.status}.`);
      }
      await this.store.appendMessage(record.instanceId, event);
      record.inbox.push(event);
    });
    this.requestEpisode(live);
  }

  /** Results of work the runtime itself started; dropped when the execution they belong to is over. */
  private async deliver(target: { instanceId: string; executionId: string }, event: InboxEvent): Promise<void> {
    const live = this.instances.get(target.instanceId);
    if (!live || this.state === "stopped") return;
    await this.serial(live, async () => {
      const { record } = live;
      const current = this.instances.get(record.instanceId) === live && record.executionId === target.executionId;
      if (!current || isFinished(record.status)) return;
      await this.store.appendMessage(record.instanceId, event);
      record.inbox.push(event);
    });
    this.requestEpisode(live);
  }

  // ---- episodes --------------------------------------------------------------------------------------------------

  private requestEpisode(live: LiveInstance): void {
    const { record } = live;
    if (this.state !== "running" || live.episodeRunning || record.inbox.length === 0 || isFinished(record.status)) return;
    live.episodeRunning = true;
    this.track(this.episodeLoop(live));
  }

  private async episodeLoop(live: LiveInstance): Promise<void> {
    try {
      while (
        this.state === "running" &&
        this.instances.get(live.record.instanceId) === live &&
        live.record.inbox.length > 0 &&
        !isFinished(live.record.status)
      ) {
        await this.runOneEpisode(live);
      }
    } finally {
      live.episodeRunning = false;
    }
  }

  private async runOneEpisode(live: LiveInstance): Promise<void> {
    const now = this.clock.now();
    const result = await runEpisode(live.record, now, this.env);
    const { instanceId } = live.record;
    for (const warning of result.warnings) this.log(`warning: '${instanceId}': ${warning}`);
    if (result.continueAsNew) {
      const { input, carriedEvents } = result.continueAsNew;
      await this.serial(live, async () => {
        const old = live.record;
        const executionId = newExecutionId();
        const next: InstanceRecord = {
          ...old,
          executionId,
          status: "ContinuedAsNew",
          input,
          output: null,
          customStatus: result.episode.customStatus,
          lastUpdatedTime: now,
          history: [],
          pending: noPendingWork(),
          inbox: [
            this.executionStarted(instanceId, executionId, old.name, input, old.parent, now),
            ...carriedEvents.map((event) => ({ ...event, IsPlayed: false })),
            ...old.inbox.slice(result.episode.consumed),
          ],
        };
        await this.store.write(next);
        live.record = next;
      });
      this.disarmTimers(live);
      this.log(`${live.record.name} '${instanceId}' continued as new`);
      this.notifyProgress();
      return;
    }
    await this.serial(live, async () => {
      await this.store.appendEpisode(instanceId, result.episode);
      applyEpisode(live.record, result.episode);
    });
    this.afterEpisode(live, result);
  }

  private afterEpisode(live: LiveInstance, result: EpisodeResult): void {
    const { record } = live;
    if (isFinished(record.status)) {
      this.disarmTimers(live);
      const detail = record.status === "Completed" ? "" : `: ${String(parseJsonText(record.output))}`;
      this.log(`${record.name} '${record.instanceId}' ${record.status.toLowerCase()}${detail}`);
      if (record.parent) this.track(this.notifyParent(record));
    } else {
      const open = record.pending;
      for (const decision of result.decisions) {
        if (decision.kind === "activity" && open.activities.includes(decision.id)) {
          this.enqueueActivity({ ...this.target(record), id: decision.id, name: decision.name, input: decision.input });
        } else if (decision.kind === "timer" && open.timers.includes(decision.id)) {
          this.armTimer(live, decision.id, decision.fireAt);
        } else if (decision.kind === "subOrchestration" && open.subOrchestrations.includes(decision.id)) {
          this.track(this.startChild(record, decision.id, decision.name, decision.instanceId, decision.input));
        }
      }
      for (const [id, cancel] of live.timers) {
        if (!open.timers.includes(id)) {
          cancel();
          live.timers.delete(id);
        }
      }
    }
    this.notifyProgress();
  }

  private target(record: InstanceRecord): { instanceId: string; executionId: string } {
    return { instanceId: record.instanceId, executionId: record.executionId };
  }

  // ---- sub-orchestrations ----------------------------------------------------------------------------------------

  private async startChild(parent: InstanceRecord, id: number, name: string, childId: string, input: string | null) {
    const parentRef: ParentRef = { ...this.target(parent), name: parent.name, taskScheduledId: id };
    try {
      if (!findFunction(this.env.codeFor(name), TriggerType.orchestration)) {
        throw new Error(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
      }
      await this.createInstance(name, childId, input, parentRef);
    } catch (error) {
      if (error instanceof StoreStoppedError) return;
      await this.deliver(parentRef, this.subOrchestrationFailed(id, errorMessage(error)));
    }
  }

  private subOrchestrationFailed(taskScheduledId: number, message: string): InboxEvent {
    const details = { ...failureDetails(new Error(message)), ErrorType: "OrchestrationFailureException", StackTrace: "" };
    return historyEvent(EventType.SubOrchestrationInstanceFailed, this.clock.now(), {
      TaskScheduledId: taskScheduledId,
      Reason: message,
      Details: "",
      FailureDetails: details,
    });
  }

  private async notifyParent(child: InstanceRecord): Promise<void> {
    const parent = child.parent;
    if (!parent) return;
    const event: InboxEvent =
      child.status === "Completed"
        ? historyEvent(EventType.SubOrchestrationInstanceCompleted, this.clock.now(), {
            TaskScheduledId: parent.taskScheduledId,
            Result: child.output ?? "null",
          })
        : this.subOrchestrationFailed(
            parent.taskScheduledId,
            child.status === "Terminated"
              ? `Sub-orchestration '${child.instanceId}' was terminated: ${String(parseJsonText(child.output))}`
              : String(parseJsonText(child.output)),
          );
    await this.deliver(parent, event);
  }

  // ---- activities ------------------------------------------------------------------------------------------------

  private enqueueActivity(work: ActivityWork): void {
    this.activityQueue.push(work);
    this.pumpActivities();
  }

  private pumpActivities(): void {
    while (this.state === "running" && this.activitiesRunning < this.activityConcurrency) {
      const work = this.activityQueue.shift();
      if (!work) return;
      this.activitiesRunning += 1;
      this.track(
        this.executeActivity(work).finally(() => {
          this.activitiesRunning -= 1;
          this.pumpActivities();
        }),
      );
    }
  }

  private async executeActivity(work: ActivityWork): Promise<void> {
    const fn = findFunction(work.name, TriggerType.activity);
    // Azure's TaskNonexistentActivityShim: an unknown activity fails like a throwing one.
    const outcome = fn
      ? await runActivity(fn, work.input, work.instanceId, this.env)
      : { ok: false as const, error: new Error(`Activity function '${work.name}' does not exist.`) };
    if (this.state === "stopped") return;
    const now = this.clock.now();
    let event: InboxEvent;
    if (outcome.ok) {
      event = historyEvent(EventType.TaskCompleted, now, { TaskScheduledId: work.id, Result: outcome.result });
    } else {
      const details = failureDetails(outcome.error);
      this.log(`activity ${work.name} for '${work.instanceId}' failed: ${details.ErrorMessage}`);
      event = historyEvent(EventType.TaskFailed, now, {
        TaskScheduledId: work.id,
        Reason: `Activity function '${work.name}' failed: ${details.ErrorMessage}`,
        Details: details.StackTrace ?? "",
        FailureDetails: details,
      });
    }
    await this.deliver(work, event);
  }

  // ---- timers ----------------------------------------------------------------------------------------------------

  private armTimer(live: LiveInstance, id: number, fireAt: number): void {
    if (live.timers.has(id)) return;
    const target = this.target(live.record);
    const fire = (): void => {
      live.timers.delete(id);
      this.track(this.deliver(target, historyEvent(EventType.TimerFired, this.clock.now(), { TimerId: id, FireAt: isoTime(fireAt) })));
    };
    if (fireAt <= this.clock.now()) fire();
    else live.timers.set(id, this.clock.at(fireAt, fire));
  }

  private disarmTimers(live: LiveInstance): void {
    for (const cancel of live.timers.values()) cancel();
    live.timers.clear();
  }

  private disarmAllTimers(): void {
    for (const live of this.instances.values()) this.disarmTimers(live);
  }

  // ---- recovery --------------------------------------------------------------------------------------------------

  /** Rebuilds every instance from its journal and restarts what a stop interrupted (activities run again). */
  private async recover(): Promise<void> {
    for (const record of await this.store.loadAll()) {
      this.instances.set(record.instanceId, { record, chain: Promise.resolve(), episodeRunning: false, timers: new Map() });
    }
    for (const live of this.instances.values()) {
      const { record } = live;
      if (record.status === "Running") this.resumePendingWork(live);
      this.requestEpisode(live);
    }
    this.log(`runtime store ${this.store.dir}: ${this.instances.size} instance(s) loaded`);
  }

  private resumePendingWork(live: LiveInstance): void {
    const { record } = live;
    const answered = new Set(
      record.inbox.map((event) =>
        event.EventType === EventType.TimerFired ? event.TimerId : "TaskScheduledId" in event ? event.TaskScheduledId : -1,
      ),
    );
    const scheduled = new Map<number, HistoryEvent>();
    for (const event of record.history) {
      if (event.EventId >= 0) scheduled.set(event.EventId, event);
    }
    for (const id of record.pending.activities) {
      const event = scheduled.get(id);
      if (event?.EventType === EventType.TaskScheduled && !answered.has(id)) {
        this.enqueueActivity({ ...this.target(record), id, name: event.Name, input: event.Input });
      }
    }
    for (const id of record.pending.timers) {
      const event = scheduled.get(id);
      if (event?.EventType === EventType.TimerCreated && !answered.has(id)) this.armTimer(live, id, Date.parse(event.FireAt));
    }
    for (const id of record.pending.subOrchestrations) {
      const event = scheduled.get(id);
      if (event?.EventType !== EventType.SubOrchestrationInstanceCreated || answered.has(id)) continue;
      const child = this.instances.get(event.InstanceId)?.record;
      const isOurs = child?.parent?.executionId === record.executionId && child.parent.taskScheduledId === id;
      if (!child) this.track(this.startChild(record, id, event.Name, event.InstanceId, event.Input));
      else if (isOurs && isFinished(child.status)) this.track(this.notifyParent(child));
    }
  }

  // ---- bookkeeping -----------------------------------------------------------------------------------------------

  private track(work: Promise<unknown>): void {
    this.busy += 1;
    work
      .catch((error: unknown) => {
        if (!(error instanceof StoreStoppedError)) this.log(`error: ${errorMessage(error)}`);
      })
      .finally(() => {
        this.busy -= 1;
        this.notifyProgress();
        this.checkIdle();
      });
  }

  private isIdle(): boolean {
    return this.busy === 0 && (this.activityQueue.length === 0 || this.state !== "running");
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    // A macrotask later, so that work started by the last continuation is counted.
    setImmediate(() => {
      if (!this.isIdle()) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  private notifyProgress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private nextProgress(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.progressWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
