/**
 * The embedded durable runtime: runs the captured orchestrations and activities through the real durable-functions
 * replay engine, keeps instances in a durable store, fires timers from a Clock and serves the app's HTTP routes and
 * Durable's own APIs. Episodes of one instance never overlap; activities run in parallel up to a limit.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { RealClock, type Clock } from "../clock.js";
import { ActivityPool } from "./activity-pool.js";
import { runEpisode, type EpisodeEnvironment, type EpisodeResult } from "./episode.js";
import { errorMessage, LocalRuntimeError } from "./errors.js";
import {
  EventType,
  activityFailed,
  historyEvent,
  isoTime,
  subOrchestrationFailed,
  subOrchestrationTerminated,
  type HistoryEvent,
  type InboxEvent,
} from "./history.js";
import { compareVersions } from "../../lib/workflow/version.js";
import { RuntimeHttpServer } from "./http/server.js";
import { durableClientData, runActivity, type DurableClientData } from "./invoke.js";
import {
  applyEpisode,
  continuedRecord,
  isFinished,
  newInstanceRecord,
  parseJsonText,
  toStatus,
  validateInstanceId,
  versionOf,
  workToResume,
  type InstanceRecord,
  type InstanceStatus,
  type ParentRef,
  type RuntimeStatus,
  type StatusOptions,
} from "./instance.js";
import { findFunction, registeredFunctions, registrationVersion, TriggerType } from "./registry.js";
import type { KnownFunctions } from "./host-replay.js";
import { InstanceStore, StoreStoppedError, type LateMessages } from "./store.js";
import { WorkTracker } from "./work-tracker.js";

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
  /**
   * host.json `defaultVersion`: new instances get it, and with `versionMatchStrategy: CurrentOrOlder` and
   * `versionFailureStrategy: Reject` an instance of a newer version is not run by this worker (its work waits).
   */
  defaultVersion?: string;
  /**
   * Answers the public management webhooks with a 302 to a sign-in page, as App Service authentication does for a
   * caller without a session; the durable client's RPC endpoint stays open (tests of an app behind sign-in).
   */
  webhookSignIn?: boolean;
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
  /** The instance as its episodes left it; its last episodes' journal lines may still be on their way to disk. */
  record: InstanceRecord;
  /** Serializes this instance's store writes with the in-memory changes that follow them. */
  chain: Promise<unknown>;
  episodeRunning: boolean;
  timers: Map<number, () => void>;
  /** Episodes applied to `record` so far (of its current execution); their lines reach the journal in this order. */
  applied: number;
  /** What the journal durably holds while episode lines are still being written; undefined once all of them are. */
  durable: DurableView | undefined;
  /** An episode's line could not be written: no more episodes run here (recovery starts from the journal). */
  writeFailed: boolean;
}

/** The part of a record an episode changes that callers see: status queries show only what is durable. */
interface DurableView {
  status: RuntimeStatus;
  output: string | null;
  customStatus: string | null;
  lastUpdatedTime: number;
  historyLength: number;
}

const viewOf = (record: InstanceRecord): DurableView => ({
  status: record.status,
  output: record.output,
  customStatus: record.customStatus,
  lastUpdatedTime: record.lastUpdatedTime,
  historyLength: record.history.length,
});

interface Target {
  instanceId: string;
  executionId: string;
}

interface ActivityWork extends Target {
  id: number;
  name: string;
  input: string | null;
}

interface DrivableClock extends Clock {
  nextDue(): number | undefined;
  advanceTo(to: number): void;
}

const isDrivable = (clock: Clock): clock is DrivableClock => "nextDue" in clock && "advanceTo" in clock;
const targetOf = (record: InstanceRecord): Target => ({
  instanceId: record.instanceId,
  executionId: record.executionId,
});

/** The names the host would accept in a call: registered activities, and orchestrators (with their stand-ins). */
function knownFunctions(substitutes: Record<string, string>): KnownFunctions {
  const functions = registeredFunctions();
  const named = (type: string): string[] => functions.filter((f) => f.triggerType === type).map((f) => f.name);
  const orchestrators = named(TriggerType.orchestration);
  const standIns = Object.keys(substitutes).filter((name) =>
    findFunction(substitutes[name] ?? "", TriggerType.orchestration),
  );
  return { activities: named(TriggerType.activity), orchestrators: [...orchestrators, ...standIns] };
}

export class LocalRuntime {
  /** Opens the management webhooks, as the host's durabletask_extension system key does; random per runtime. */
  readonly systemKey = randomBytes(24).toString("base64url");
  readonly taskHubName: string;
  readonly clock: Clock;
  private readonly instances = new Map<string, LiveInstance>();
  private readonly reserved = new Set<string>();
  /** Inbox messages no journal line holds yet: the runtime's own deliveries, written with the episode that consumes them. */
  private readonly unjournaled = new WeakSet<InboxEvent>();
  private readonly defaultVersion: string;
  /** The largest custom status any episode set, as the host measures it (UTF-16 bytes): a margin to watch. */
  largestCustomStatus: { instanceId: string; utf16Bytes: number } | undefined;
  private state: "running" | "closing" | "stopped" = "running";
  private readonly log: (line: string) => void;
  private readonly env: EpisodeEnvironment;
  private readonly server: RuntimeHttpServer;
  private readonly work: WorkTracker;
  private readonly activities: ActivityPool<ActivityWork>;
  /** The known functions of the last episode, kept while no function is registered or disposed of. */
  private known: { version: number; functions: KnownFunctions } | undefined;

  private constructor(
    options: LocalRuntimeOptions,
    private readonly store: InstanceStore,
  ) {
    this.clock = options.clock ?? new RealClock();
    this.taskHubName = options.taskHubName ?? "LocalTaskHub";
    this.defaultVersion = options.defaultVersion ?? "";
    this.log = options.log ?? (() => {});
    this.env = {
      log: this.log,
      clientData: () => this.clientData(),
      codeFor: (name) => options.substitutes?.[name] ?? name,
      knownFunctions: () => this.knownFunctions(options.substitutes ?? {}),
    };
    this.server = new RuntimeHttpServer(this, {
      routePrefix: options.routePrefix ?? "api",
      log: this.log,
      webhookSignIn: options.webhookSignIn ?? false,
    });
    this.work = new WorkTracker(
      () => this.activities.queued > 0,
      (error) => {
        if (!(error instanceof StoreStoppedError)) this.log(`error: ${errorMessage(error)}`);
      },
    );
    const concurrency = Math.max(1, options.activityConcurrency ?? 8);
    this.activities = new ActivityPool(concurrency, (work) => this.executeActivity(work), this.work);
  }

  /** Every episode asks which functions the host knows; they change only when registrations do. */
  private knownFunctions(substitutes: Record<string, string>): KnownFunctions {
    const version = registrationVersion();
    if (this.known?.version !== version) this.known = { version, functions: knownFunctions(substitutes) };
    return this.known.functions;
  }

  /** Opens the store, serves HTTP, and resumes every unfinished instance from its history. */
  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const store = await InstanceStore.open(options.storeDir);
    const runtime = new LocalRuntime(options, store);
    try {
      await runtime.server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
      runtime.announce();
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
    return durableClientData(this.baseUrl, this.taskHubName, this.systemKey);
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
    const input = data === undefined ? null : JSON.stringify(data);
    const event = historyEvent(EventType.EventRaised, this.clock.now(), { Name: eventName, Input: input });
    await this.appendToInbox(this.liveOrThrow(instanceId), event);
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const event = historyEvent(EventType.ExecutionTerminated, this.clock.now(), { Input: reason });
    await this.appendToInbox(this.liveOrThrow(instanceId), event);
  }

  /** Deletes a finished instance and its history. */
  async purge(instanceId: string): Promise<void> {
    const live = this.liveOrThrow(instanceId);
    const { status } = this.visible(live);
    if (!isFinished(status)) {
      throw new LocalRuntimeError(
        "conflict",
        `Instance '${instanceId}' is ${status}; only finished instances can be purged.`,
      );
    }
    await this.serial(live, async () => {
      await this.store.remove(instanceId);
      if (this.instances.get(instanceId) === live) this.instances.delete(instanceId);
    });
  }

  getStatus(instanceId: string, options: StatusOptions = {}): Promise<InstanceStatus | undefined> {
    const live = this.instances.get(instanceId);
    return Promise.resolve(live ? toStatus(this.visible(live), options) : undefined);
  }

  list(filter: ListFilter = {}): Promise<InstanceStatus[]> {
    const from = filter.createdTimeFrom?.getTime() ?? -Infinity;
    const to = filter.createdTimeTo?.getTime() ?? Infinity;
    const records = [...this.instances.values()]
      .map((live) => this.visible(live))
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

  /** The current execution's durable history in wire form (a copy). */
  history(instanceId: string): Promise<HistoryEvent[]> {
    return Promise.resolve(structuredClone(this.visible(this.liveOrThrow(instanceId)).history));
  }

  /** Resolves once no episode, activity or store write is in flight or queued. Never moves the clock. */
  whenIdle(): Promise<void> {
    return this.work.whenIdle();
  }

  /**
   * Processes work until `predicate` holds. With a virtual clock, whenever the runtime is idle the clock jumps to the
   * next due timer; with a real clock it waits for progress.
   */
  async runUntil(predicate: () => boolean | Promise<boolean>, options: DriveOptions = {}): Promise<void> {
    const maxVirtualMs = options.maxVirtualMs ?? 400 * 86_400_000;
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const virtualStart = this.clock.now();
    for (;;) {
      if (this.state !== "running") throw new Error("runUntil: the runtime is closed.");
      await this.whenIdle();
      if (await predicate()) return;
      if (Date.now() > deadline) throw new Error(`runUntil: condition not met within ${timeoutMs} ms.`);
      if (!isDrivable(this.clock)) {
        await this.work.nextProgress(Math.max(1, Math.min(100, deadline - Date.now())));
        continue;
      }
      const next = this.clock.nextDue();
      if (next === undefined) {
        throw new Error("runUntil: the runtime is idle, no timer is due, and the condition is not met.");
      }
      if (next - virtualStart > maxVirtualMs) {
        throw new Error(
          `runUntil: the next timer (${isoTime(next)}) is beyond maxVirtualMs; the condition is not met.`,
        );
      }
      this.clock.advanceTo(next);
    }
  }

  async waitForCompletion(instanceId: string, options: DriveOptions = {}): Promise<InstanceStatus> {
    this.liveOrThrow(instanceId);
    await this.runUntil(() => {
      const live = this.instances.get(instanceId);
      return !live || isFinished(this.visible(live).status);
    }, options);
    return toStatus(this.visible(this.liveOrThrow(instanceId)));
  }

  /** Stops serving, lets in-flight episodes and activities finish, and leaves queued work in the store. */
  async close(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "closing";
    this.activities.stop();
    await this.server.close();
    this.disarmAllTimers();
    while (this.work.inFlight > 0) await this.work.nextProgress(50);
    this.state = "stopped";
    await this.store.stop();
  }

  /** Stops at once, as if the process died: nothing more is written; work under way is lost or re-run later. */
  async kill(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    this.activities.stop();
    this.disarmAllTimers();
    await Promise.all([this.server.close(true), this.store.stop()]);
    this.work.notifyProgress();
  }

  /** Core Tools sets WEBSITE_HOSTNAME locally; with it the durable client keeps this runtime's URLs as given. */
  private announce(): void {
    process.env.WEBSITE_HOSTNAME ??= new URL(this.baseUrl).host;
    const functions = registeredFunctions();
    const count = (type: string): number => functions.filter((fn) => fn.triggerType === type).length;
    this.log(
      `runtime at ${this.baseUrl}: ${count(TriggerType.orchestration)} orchestrators, ` +
        `${count(TriggerType.activity)} activities, ${count(TriggerType.http)} HTTP functions`,
    );
    for (const line of this.server.describeRoutes()) this.log(`  ${line}`);
    const runnable = new Set<string>([TriggerType.orchestration, TriggerType.activity, TriggerType.http]);
    for (const fn of functions.filter((f) => !runnable.has(f.triggerType))) {
      this.log(`  not run locally: ${fn.name} (${fn.triggerType})`);
    }
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

  /**
   * The instance as callers may see it: what its journal durably holds. While the lines of its last episodes are
   * being written, their effects stay hidden, as DTFx's status is only what the orchestration's checkpoint wrote.
   */
  private visible(live: LiveInstance): InstanceRecord {
    const { record, durable } = live;
    if (!durable) return record;
    const { historyLength, ...fields } = durable;
    return { ...record, ...fields, history: record.history.slice(0, historyLength) };
  }

  private adopt(record: InstanceRecord): LiveInstance {
    const live: LiveInstance = {
      record,
      chain: Promise.resolve(),
      episodeRunning: false,
      timers: new Map(),
      applied: 0,
      durable: undefined,
      writeFailed: false,
    };
    this.instances.set(record.instanceId, live);
    return live;
  }

  /** New instance, or a new run of a finished one with the same id (Azure allows reuse of finished ids). */
  private async createInstance(name: string, instanceId: string, input: string | null, parent: ParentRef | null) {
    validateInstanceId(instanceId);
    const existing = this.instances.get(instanceId);
    if (this.reserved.has(instanceId) && parent === null) {
      // Two client starts of one id in flight at once: in Azure both pass the dedupe check (a status read, then a
      // write) and both callers get 202, while the second ExecutionStarted is discarded as a duplicate. The caller
      // cannot tell; it must read back which start won.
      this.log(`${name} '${instanceId}': a concurrent start of the same id was accepted and dropped`);
      return;
    }
    const existingStatus = existing && this.visible(existing).status;
    if (this.reserved.has(instanceId) || (existingStatus && !isFinished(existingStatus))) {
      // DurableTask.AzureStorage's dedupe (overridableExistingInstanceStates: NonRunningStates) refuses the start.
      throw new LocalRuntimeError(
        parent === null ? "already-exists" : "conflict",
        `An Orchestration instance with the status ${existingStatus ?? "Pending"} already exists.`,
      );
    }
    this.reserved.add(instanceId);
    try {
      const record = newInstanceRecord(instanceId, name, input, parent, this.clock.now(), this.defaultVersion);
      const write = (): Promise<void> => this.store.write(record);
      await (existing ? this.serial(existing, write) : write());
      if (existing) this.disarmTimers(existing);
      this.log(`${name} '${instanceId}' scheduled`);
      this.requestEpisode(this.adopt(record));
    } finally {
      this.reserved.delete(instanceId);
    }
  }

  /**
   * Client operations: refused for finished instances (HTTP 410), durable before they return. An episode may consume
   * the message while its line is still being written: the episode's line comes after it in the same journal, so it
   * is durable only once the message is, and what the episode decides happens only then.
   */
  private async appendToInbox(live: LiveInstance, event: InboxEvent): Promise<void> {
    const durable = await this.serial(live, () => {
      const { record } = live;
      const { status } = this.visible(live);
      if (isFinished(status) || this.instances.get(record.instanceId) !== live) {
        throw new LocalRuntimeError("gone", `Instance '${record.instanceId}' is ${status}.`);
      }
      const written = this.store.appendMessage(record.instanceId, event);
      record.inbox.push(event);
      return Promise.resolve({ written });
    });
    this.requestEpisode(live);
    await durable.written;
  }

  /** Results of work the runtime itself started; dropped when the execution they belong to is over. */
  private async deliver(target: Target, event: InboxEvent): Promise<void> {
    const live = this.instances.get(target.instanceId);
    if (!live || this.state === "stopped") return;
    await this.serial(live, () => {
      const { record } = live;
      const current = this.instances.get(record.instanceId) === live && record.executionId === target.executionId;
      if (!current || isFinished(record.status)) return Promise.resolve();
      this.unjournaled.add(event);
      record.inbox.push(event);
      return Promise.resolve();
    });
    this.requestEpisode(live);
  }

  // ---- episodes --------------------------------------------------------------------------------------------------

  private requestEpisode(live: LiveInstance): void {
    const { record } = live;
    const idle = !live.episodeRunning && record.inbox.length > 0 && !isFinished(record.status);
    if (this.state !== "running" || !idle) return;
    live.episodeRunning = true;
    this.work.track(this.episodeLoop(live));
  }

  /** Whether the instance has an episode to run now. */
  private runnable(live: LiveInstance): boolean {
    return (
      this.state === "running" &&
      !live.writeFailed &&
      this.instances.get(live.record.instanceId) === live &&
      live.record.inbox.length > 0 &&
      !isFinished(live.record.status) &&
      !this.rejectsVersion(live.record)
    );
  }

  private async episodeLoop(live: LiveInstance): Promise<void> {
    try {
      while (this.runnable(live)) await this.runOneEpisode(live);
    } finally {
      live.episodeRunning = false;
    }
  }

  /**
   * Runs one episode and commits it. The episode's line is appended to the journal and the episode applied in memory
   * at once; what it scheduled is sent at once too, before the line is durable, as DurableTask.AzureStorage enqueues
   * an episode's outbound messages before it writes the history checkpoint (AzureStorageOrchestrationService
   * CompleteTaskOrchestrationWorkItemAsync: CommitOutboundQueueMessages, then trackingStore.UpdateStateAsync). The
   * next episode may run while the line is being written: its own line comes after it in the same journal, so the
   * journal always holds a prefix of the episodes, and a crash loses at most the last ones, which recovery runs
   * again from the work they had been given (activities re-run: at least once, as in DTFx). Everything a caller can
   * see waits for the line: status queries (`visible`), the start of sub-orchestrations and the parent's
   * notification of a finished child happen only once it is durable.
   */
  private async runOneEpisode(live: LiveInstance): Promise<void> {
    const now = this.clock.now();
    const result = await runEpisode(live.record, now, this.env);
    const { instanceId, name } = live.record;
    for (const warning of result.warnings) this.log(`warning: '${instanceId}': ${warning}`);
    if (result.continueAsNew) {
      const { input, carriedEvents } = result.continueAsNew;
      await this.serial(live, async () => {
        const old = live.record;
        const unprocessed = old.inbox.slice(result.episode.consumed);
        const next = continuedRecord(old, input, result.episode.customStatus, carriedEvents, unprocessed, now);
        // The snapshot replaces the journal after the lines before it: once it is written, all of them are.
        await this.store.write(next);
        for (const event of next.inbox) this.unjournaled.delete(event);
        live.record = next;
        live.applied = 0;
        live.durable = undefined;
      });
      this.disarmTimers(live);
      this.log(`${name} '${instanceId}' continued as new`);
      this.work.notifyProgress();
      return;
    }
    this.measureCustomStatus(instanceId, result.episode.customStatus);
    const { record } = live;
    const late: LateMessages = [];
    for (let index = 0; index < result.episode.consumed; index += 1) {
      const event = record.inbox[index];
      if (event && this.unjournaled.has(event)) late.push([index, event]);
    }
    const written = this.store.appendEpisode(instanceId, result.episode, late);
    live.durable ??= viewOf(record);
    applyEpisode(record, result.episode);
    live.applied += 1;
    this.work.track(this.commit(live, record, live.applied, written, result));
    this.dispatch(live, result);
  }

  /** Once an episode's line is durable: callers see its state, and what waited for it happens. */
  private async commit(
    live: LiveInstance,
    record: InstanceRecord,
    episode: number,
    written: Promise<void>,
    result: EpisodeResult,
  ): Promise<void> {
    const view = viewOf(record);
    try {
      await written;
    } catch (error) {
      if (live.record === record) live.writeFailed = true;
      throw error;
    }
    if (live.record !== record) return;
    // Lines become durable in order; the last episode's makes the record itself visible.
    live.durable = live.applied === episode ? undefined : view;
    if (isFinished(result.episode.status)) {
      const detail = result.episode.status === "Completed" ? "" : `: ${String(parseJsonText(result.episode.output))}`;
      this.log(`${record.name} '${record.instanceId}' ${result.episode.status.toLowerCase()}${detail}`);
      if (record.parent) this.work.track(this.notifyParent(record));
    } else {
      for (const decision of result.decisions) {
        if (decision.kind === "subOrchestration" && result.episode.pending.subOrchestrations.includes(decision.id)) {
          this.work.track(this.startChild(record, decision.id, decision.name, decision.instanceId, decision.input));
        }
      }
    }
    this.work.notifyProgress();
  }

  /** CurrentOrOlder + Reject (DurableTask.Core VersioningSettings): a newer instance waits for a newer worker. */
  private rejectsVersion(record: InstanceRecord): boolean {
    const version = versionOf(record);
    if (compareVersions(version, this.defaultVersion) <= 0) return false;
    this.log(`'${record.instanceId}' has version ${version}, newer than this worker's ${this.defaultVersion}: not run`);
    return true;
  }

  private measureCustomStatus(instanceId: string, json: string | null): void {
    const utf16Bytes = (json?.length ?? 0) * 2;
    if (utf16Bytes > (this.largestCustomStatus?.utf16Bytes ?? 0)) this.largestCustomStatus = { instanceId, utf16Bytes };
  }

  /** What an episode scheduled that needs no durable line first: activities and timers (their results come back). */
  private dispatch(live: LiveInstance, result: EpisodeResult): void {
    const { record } = live;
    if (isFinished(record.status)) {
      this.disarmTimers(live);
    } else {
      const open = record.pending;
      for (const decision of result.decisions) {
        if (decision.kind === "activity" && open.activities.includes(decision.id)) {
          this.activities.enqueue({ ...targetOf(record), id: decision.id, name: decision.name, input: decision.input });
        } else if (decision.kind === "timer") {
          // A cancelled timer still fires: the shim cancels only the task it awaits, DTFx keeps the TimerCreated and
          // later delivers TimerFired, one more wake-up the orchestrator ignores (OutOfProcOrchestrationShim
          // InvokeAPIFromAction, CreateTimer with a cancelled token).
          this.armTimer(live, decision.id, decision.fireAt);
        }
      }
    }
    this.work.notifyProgress();
  }

  // ---- sub-orchestrations ----------------------------------------------------------------------------------------

  private async startChild(parent: InstanceRecord, id: number, name: string, childId: string, input: string | null) {
    const parentRef: ParentRef = { ...targetOf(parent), name: parent.name, taskScheduledId: id };
    try {
      if (!findFunction(this.env.codeFor(name), TriggerType.orchestration)) {
        throw new Error(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
      }
      await this.createInstance(name, childId, input, parentRef);
    } catch (error) {
      if (error instanceof StoreStoppedError) return;
      await this.deliver(parentRef, subOrchestrationFailed(id, errorMessage(error), this.clock.now()));
    }
  }

  private async notifyParent(child: InstanceRecord): Promise<void> {
    const parent = child.parent;
    if (!parent) return;
    const now = this.clock.now();
    const output = String(parseJsonText(child.output));
    const event: InboxEvent =
      child.status === "Completed"
        ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
            TaskScheduledId: parent.taskScheduledId,
            Result: child.output ?? "null",
          })
        : child.status === "Terminated"
          ? subOrchestrationTerminated(parent.taskScheduledId, output, now)
          : subOrchestrationFailed(parent.taskScheduledId, output, now);
    await this.deliver(parent, event);
  }

  // ---- activities and timers -------------------------------------------------------------------------------------

  private async executeActivity(work: ActivityWork): Promise<void> {
    const fn = findFunction(work.name, TriggerType.activity);
    // An activity that disappeared after it was scheduled (a deploy) fails like a throwing one.
    const outcome = fn
      ? await runActivity(fn, work.input, work.instanceId, this.env)
      : { ok: false as const, error: new Error(`Activity function '${work.name}' does not exist.`) };
    if (this.state === "stopped") return;
    const now = this.clock.now();
    if (outcome.ok) {
      return this.deliver(
        work,
        historyEvent(EventType.TaskCompleted, now, { TaskScheduledId: work.id, Result: outcome.result }),
      );
    }
    const failed = activityFailed(work.id, work.name, outcome.error, now, !fn);
    this.log(`${failed.Reason} (for '${work.instanceId}')`);
    await this.deliver(work, failed);
  }

  private armTimer(live: LiveInstance, id: number, fireAt: number): void {
    if (live.timers.has(id)) return;
    const target = targetOf(live.record);
    const fire = (): void => {
      live.timers.delete(id);
      const fired = historyEvent(EventType.TimerFired, this.clock.now(), { TimerId: id, FireAt: isoTime(fireAt) });
      this.work.track(this.deliver(target, fired));
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
    const records = await this.store.loadAll();
    const lives = records.map((record) => this.adopt(record));
    for (const live of lives) {
      const { record } = live;
      const work = workToResume(record);
      for (const activity of work.activities) this.activities.enqueue({ ...targetOf(record), ...activity });
      for (const timer of work.timers) this.armTimer(live, timer.id, timer.fireAt);
      for (const sub of work.subOrchestrations) {
        const child = this.instances.get(sub.instanceId)?.record;
        const ours = child?.parent?.executionId === record.executionId && child.parent.taskScheduledId === sub.id;
        if (!child) this.work.track(this.startChild(record, sub.id, sub.name, sub.instanceId, sub.input));
        else if (ours && isFinished(child.status)) this.work.track(this.notifyParent(child));
      }
      this.requestEpisode(live);
    }
    this.log(`runtime store ${this.store.dir}: ${records.length} instance(s) loaded`);
  }
}
