/**
 * Replay conformance against histories written outside this project: the orchestrator histories and expected
 * orchestrator states of the durable-functions library's own tests (Azure/azure-functions-durable-js, commit
 * c212f6c4129c2c4fd128f67af688a1545b4c81a1, test/integration/orchestrator-spec.ts with
 * test/testobjects/testhistories.ts and TestOrchestrations.ts; MIT, see fixtures/durable-js/LICENSE and NOTICE.md).
 *
 * Each recorded history is driven through the runtime's own path for one episode:
 *  - `runOrchestrator` (invoke.ts), the way `runEpisode` invokes the library, gives the orchestrator state that the
 *    upstream spec asserts (isDone, actions, output, custom status, error);
 *  - `runEpisode` (episode.ts), which adds the host's replay (host-replay.ts), gives the episode the runtime would
 *    commit: its status, its output and its decisions (the next actions the runtime schedules).
 *
 * The upstream expectations are fixture data (fixtures/durable-js/*.json); nothing here restates them by hand. The
 * expected decisions are derived from upstream data only: the spec's expected actions that the history has not
 * recorded yet, and, where the fixture names one (`recordedNext`), the scheduling events that the upstream history
 * of the same instance one step later records.
 *
 * A second group replays every completed episode inside those histories (each history cut after an episode's new
 * events) and checks that the runtime schedules what the history recorded next.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runEpisode, type EpisodeEnvironment, type EpisodeResult } from "../../../local/runtime/episode.js";
import {
  ActionType,
  DECISION_EVENT_TYPES,
  EventType,
  historyEvent,
  INBOX_EVENT_TYPES,
  type HistoryEvent,
  type InboxEvent,
  type WireAction,
} from "../../../local/runtime/history.js";
import { MAX_SHORT_TIMER_MS } from "../../../local/runtime/host-replay.js";
import { noPendingWork, type InstanceRecord } from "../../../local/runtime/instance.js";
import { durableClientData, runOrchestrator, type OrchestratorOutcome } from "../../../local/runtime/invoke.js";
import { captureRegistrations, findFunction, TriggerType } from "../../../local/runtime/registry.js";

captureRegistrations();
await import("./fixtures/durable-js/orchestrations.js");

const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "durable-js");
const EXECUTION_ID = "c0ffee00c0ffee00c0ffee00c0ffee00";

/** An event as the upstream HistoryEvent classes serialize it (JSON.stringify of the class instance). */
interface UpstreamEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  IsProcessed?: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  InstanceId?: string;
  FireAt?: string;
  TimerId?: number;
  TaskScheduledId?: number;
  Result?: string;
  Reason?: string;
  Details?: string;
}

/** An orchestrator action as the upstream spec builds its expected OrchestratorState (schema V1 or V3). */
interface UpstreamAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: unknown;
  reason?: string;
}

type Check = "isDone" | "actions" | "output" | "customStatus" | "error" | "noError";

interface UpstreamCase {
  id: string;
  upstream: { test: string; history: string; orchestrator: string };
  orchestrator: string;
  instanceId: string;
  input?: unknown;
  /** The replay schema the upstream spec ran with: 0 (V1) or 2 (V3). */
  schemaVersion: number;
  checks: Check[];
  expected: {
    isDone?: boolean;
    actions?: UpstreamAction[][];
    output?: unknown;
    customStatus?: unknown;
    error?: string;
  };
  recordedNext?: string;
  history: UpstreamEvent[];
}

interface FixtureFile {
  source: { repository: string; commit: string; spec: string; describe: string };
  cases: UpstreamCase[];
}

const files = readdirSync(fixturesDir)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ name, ...(JSON.parse(readFileSync(path.join(fixturesDir, name), "utf8")) as FixtureFile) }));
const casesById = new Map(files.flatMap((file) => file.cases.map((c) => [c.id, c] as const)));

const finalRetryTimer =
  "The last failed attempt of a retry is followed by a timer: the runtime creates it to fire at once (fireAt = the " +
  "episode's OrchestratorStarted time), as DurableTask.Core's RetryInterceptor does since Azure/durabletask#661 " +
  '("Dummy timer for back-compat"); the upstream history records it one full retry interval later (the ' +
  "RetryInterceptor before that change).";
const retryTimerBase =
  "The runtime computes a retry timer from the episode's OrchestratorStarted time (DTFx CurrentUtcDateTime: " +
  "T0+110ms + 100ms = T0+210ms); the upstream builder computes it from the TaskFailed event's own timestamp " +
  "(T0+100ms + 100ms = T0+200ms).";
/**
 * Where the runtime disagrees with the upstream expectation, by test id. Each entry names the disagreement; its test
 * stays as strict as the others and is marked `it.fails` (see `check`), so that it fails once the two agree.
 */
const disagreements: Record<string, { state?: string; episode?: string }> = {
  // Timer 3 after attempt 2 failed at T0+70s: runtime fireAt T0+70s, upstream TimerCreated 3 fireAt T0+80s.
  "activity-retry-retry-two#episode3": { episode: finalRetryTimer },
  "activity-retry-all-failed-timestamps#episode3": { episode: finalRetryTimer },
  // Timer 3 after attempt 2 failed at T0+3s: runtime fireAt T0+3s, upstream TimerCreated 3 fireAt T0+13s.
  "sub-retry-retry-two#episode3": { episode: finalRetryTimer },
  // Timer 2 after "Tokyo" failed: runtime fireAt T0+210ms, upstream TimerCreated 2 fireAt T0+200ms.
  "activity-retry-fan-out#episode1": { episode: retryTimerBase },
  "sub-retry-fan-out#episode1": { episode: retryTimerBase },
  // Timer 1 after Merge completed in the episode started at T0+2s: runtime fireAt T0+3s, upstream T0+2s.
  "activity-timestamp-exhaustion#episode2": {
    episode:
      "The runtime schedules timer 1 at the fireAt the orchestrator returned, currentUtcDateTime (T0+2s) + " +
      "delayMergeUntilSecs (1s) = T0+3s; the upstream history records TimerCreated 1 with fireAt T0+2s.",
  },
  // Sub-timer 2 of the 10-day timer, after sub-timer 1 fired at T0+6d: runtime T0+9d, upstream T0+10d.
  "long-timer-fired#episode3": {
    episode:
      "After the sub-timer at T0+6d fires, 4 days remain: the runtime creates another 3-day sub-timer (T0+9d), as " +
      "the extension's DurableOrchestrationContext.CreateTimer does (a new interval unless less than " +
      "longRunningTimerIntervalDuration remains); the upstream history goes straight to the final fireAt T0+10d " +
      "(its builder, like the library's LongTimerTask, stops splitting once no more than maximumShortTimerDuration " +
      "remains), so it records sub-timers at 3, 6 and 10 days where the runtime makes 3, 6, 9 and 10.",
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Upstream history → the history the runtime stores.
//
// The upstream classes serialize the same DurableTask.Core fields (PascalCase names, numeric EventType, EventId,
// Timestamp and FireAt as ISO text once JSON-encoded) with these differences, translated here:
//  - `IsProcessed` is a library-internal flag of the upstream classes: dropped (the runtime never stores it).
//  - `IsPlayed` was set by hand upstream (not always consistently): the runtime does not keep it; invoke.ts marks
//    events before the episode's OrchestratorStarted as played and the episode's own events as new.
//  - Fields DTFx always writes but the upstream builders leave out when unused are filled in as Newtonsoft writes
//    them: `Input: null` (ExecutionStarted, TaskScheduled, SubOrchestrationInstanceCreated, EventRaised),
//    `Version: ""` (the same scheduling events and ExecutionStarted), and on ExecutionStarted
//    `OrchestrationInstance` (this case's instance id and a fixed execution id) and `ParentInstance: null`.
//  - TaskFailed and SubOrchestrationInstanceFailed keep `Reason` and `Details` and get no `FailureDetails`: that is
//    the older extension wire shape the upstream histories record, and synthesizing FailureDetails would change the
//    error text the library builds (it prefers FailureDetails over Reason/Details).
//  - Episode split: the last OrchestratorStarted starts the episode under test. Events before it become the stored
//    history; the events after it become the inbox, and runEpisode re-creates the OrchestratorStarted at its
//    timestamp. Upstream histories that end in a completed episode (…, OrchestratorCompleted) replay that last
//    episode, so the episode's own scheduling events are then already in its inbox, as upstream recorded them.
// ---------------------------------------------------------------------------------------------------------------

function toRuntimeEvent(event: UpstreamEvent, c: UpstreamCase): HistoryEvent {
  const { IsProcessed: _processed, IsPlayed: _played, ...fields } = event;
  const base = { ...fields, IsPlayed: false };
  switch (event.EventType) {
    case EventType.ExecutionStarted:
      return {
        ...base,
        OrchestrationInstance: { InstanceId: c.instanceId, ExecutionId: EXECUTION_ID },
        ParentInstance: null,
        Version: "",
        Input: event.Input ?? null,
      } as HistoryEvent;
    case EventType.TaskScheduled:
    case EventType.SubOrchestrationInstanceCreated:
      return { ...base, Version: "", Input: event.Input ?? null } as HistoryEvent;
    case EventType.EventRaised:
      return { ...base, Input: event.Input ?? null } as HistoryEvent;
    default:
      return base as HistoryEvent;
  }
}

interface Episode {
  record: InstanceRecord;
  now: number;
  newEvents: HistoryEvent[];
}

function episodeOf(c: UpstreamCase, history: readonly UpstreamEvent[] = c.history): Episode {
  const events = history.map((event) => toRuntimeEvent(event, c));
  const start = events.findLastIndex((event) => event.EventType === EventType.OrchestratorStarted);
  if (start < 0) throw new Error(`${c.id}: the history has no OrchestratorStarted event`);
  const now = Date.parse(events[start]!.Timestamp);
  const record: InstanceRecord = {
    instanceId: c.instanceId,
    name: c.orchestrator,
    executionId: EXECUTION_ID,
    status: "Running",
    // The spec hands the orchestrator its input separately from ExecutionStarted.Input; so does the runtime.
    input: c.input === undefined ? null : JSON.stringify(c.input),
    output: null,
    customStatus: null,
    createdTime: now,
    lastUpdatedTime: now,
    parent: null,
    history: events.slice(0, start),
    // Upstream episodes may hold events other than inbox events (see the split above); runEpisode passes them on.
    inbox: events.slice(start + 1) as InboxEvent[],
    pending: noPendingWork(),
  };
  return { record, now, newEvents: [historyEvent(EventType.OrchestratorStarted, now, {}), ...record.inbox] };
}

const log: string[] = [];
const env: EpisodeEnvironment = {
  log: (line) => log.push(line),
  clientData: () => durableClientData("http://127.0.0.1:7071", "ConformanceHub", "conformance-key"),
  codeFor: (name) => name,
};

/** The orchestrator state, invoked exactly as runEpisode invokes it. */
async function invoke(c: UpstreamCase): Promise<OrchestratorOutcome> {
  const { record, newEvents } = episodeOf(c);
  const fn = findFunction(c.orchestrator, TriggerType.orchestration);
  if (!fn) throw new Error(`${c.orchestrator} is not registered`);
  return runOrchestrator(
    fn,
    {
      instanceId: record.instanceId,
      input: c.input ?? null,
      parentInstanceId: null,
      pastEvents: record.history,
      newEvents,
    },
    env,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Upstream actions → the actions the runtime receives.
//
// The runtime negotiates replay schema V3 (upperSchemaVersionNew 2), where the library returns one list of actions
// in the order the orchestrator awaited them, Task.all/Task.any as WhenAll/WhenAny with compoundActions. Most upstream
// specs ran with schema V1, where each yield adds a list and a Task.all/Task.any adds its children flat. Both orders
// are the order of the awaited leaves, so V1 is compared as its lists concatenated against the V3 leaves
// depth-first. The specs that ran with V3 (long timers) are compared action for action as well.
// ---------------------------------------------------------------------------------------------------------------

/**
 * The fields of an action the host reads: the extension's AsyncAction (azure-functions-durable-extension,
 * src/WebJobs.Extensions.DurableTask/Listener/OutOfProcOrchestrationShim.cs), which the runtime's state schema
 * mirrors. The library also sends `reason` on WaitForExternalEvent actions ("ExternalEvent"; the upstream spec's
 * expected actions carry it); no host reads it, so it is not part of what reaches the runtime and is not compared.
 */
const hostActionFields: readonly string[] = [
  "actionType",
  "functionName",
  "input",
  "compoundActions",
  "fireAt",
  "externalEventName",
  "isCanceled",
  "retryOptions",
  "instanceId",
  "httpRequest",
  "operation",
];

const asHostReadsIt = (action: UpstreamAction): Partial<UpstreamAction> =>
  Object.fromEntries(Object.entries(action).filter(([key]) => hostActionFields.includes(key)));

const isCompound = (action: WireAction): boolean =>
  action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny;

function leaves(actions: readonly WireAction[]): WireAction[] {
  return actions.flatMap((action) => (isCompound(action) ? leaves(action.compoundActions ?? []) : [action]));
}

const isScheduling = (event: UpstreamEvent): boolean => DECISION_EVENT_TYPES.includes(event.EventType);

interface ExpectedDecision {
  kind: "activity" | "timer" | "subOrchestration";
  id: number;
  name?: string;
  /** JSON value of the input, where upstream data gives it. */
  input?: unknown;
  fireAt?: number;
  instanceId?: string;
}

const lastStartOf = (c: UpstreamCase): number =>
  Date.parse(c.history.findLast((event) => event.EventType === EventType.OrchestratorStarted)!.Timestamp);

/**
 * The spec's expected actions with a sequence id that the history has not recorded: what the runtime must schedule
 * now. Ids follow the actions' order. Undefined when a retry or long timer that history already recorded stands
 * before them: the host expands those into more ids than the spec's action list shows.
 */
function decisionsFromSpec(c: UpstreamCase): ExpectedDecision[] | undefined {
  if (!c.expected.actions) return undefined;
  const recorded = new Set(c.history.filter(isScheduling).map((event) => event.EventId));
  const now = lastStartOf(c);
  const decisions: ExpectedDecision[] = [];
  let next = 0;
  for (const action of c.expected.actions.flat()) {
    const fireAt = action.fireAt === undefined ? undefined : Date.parse(action.fireAt);
    const long = fireAt !== undefined && fireAt - now > MAX_SHORT_TIMER_MS;
    const expands =
      long ||
      action.actionType === ActionType.CallActivityWithRetry ||
      action.actionType === ActionType.CallSubOrchestratorWithRetry;
    const id = next;
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry:
      case ActionType.CreateTimer:
        next += 1;
        break;
      default:
        continue; // waits and continueAsNew take no sequence id
    }
    if (recorded.has(id)) {
      if (expands) return undefined;
      continue;
    }
    if (action.actionType === ActionType.CreateTimer) {
      if (long) return undefined; // its first sub-timer is not in the spec's actions; see recordedNext
      decisions.push({ kind: "timer", id, fireAt: fireAt! });
    } else if (
      action.actionType === ActionType.CallActivity ||
      action.actionType === ActionType.CallActivityWithRetry
    ) {
      // Activity inputs: the library sends strings already as JSON text (Utils.processInput), other values as is.
      const input = typeof action.input === "string" ? (JSON.parse(action.input) as unknown) : action.input;
      decisions.push({ kind: "activity", id, name: action.functionName!, input });
    } else {
      decisions.push({
        kind: "subOrchestration",
        id,
        name: action.functionName!,
        input: action.input,
        ...(action.instanceId ? { instanceId: action.instanceId } : {}),
      });
    }
  }
  return decisions;
}

/**
 * Sub-orchestration instance ids the orchestrator chose itself. Where it leaves the id to the host, upstream builders
 * record made-up ids (e.g. "dummy-unique-id_0"), while DTFx uses `{executionId}:{sequence}`; those are not compared.
 */
function explicitInstanceIds(c: UpstreamCase): Set<string> {
  const ids = (c.expected.actions ?? []).flat().map((action) => action.instanceId);
  return new Set(ids.filter((id): id is string => typeof id === "string"));
}

/** A recorded scheduling event as the decision it stands for. Inputs are not compared: builders often omit them. */
function recordedDecision(event: UpstreamEvent, explicitIds: Set<string>): ExpectedDecision {
  if (event.EventType === EventType.TimerCreated) {
    return { kind: "timer", id: event.EventId, fireAt: Date.parse(event.FireAt!) };
  }
  if (event.EventType === EventType.TaskScheduled) return { kind: "activity", id: event.EventId, name: event.Name! };
  return {
    kind: "subOrchestration",
    id: event.EventId,
    name: event.Name!,
    ...(explicitIds.has(event.InstanceId!) ? { instanceId: event.InstanceId! } : {}),
  };
}

/** The scheduling events the next upstream history of the instance records in the first episode with new ids. */
function decisionsRecordedNext(c: UpstreamCase, next: UpstreamCase): ExpectedDecision[] {
  const known = new Set(c.history.filter(isScheduling).map((event) => event.EventId));
  const episodes: UpstreamEvent[][] = [];
  for (const event of next.history) {
    if (event.EventType === EventType.OrchestratorStarted || episodes.length === 0) episodes.push([]);
    episodes.at(-1)!.push(event);
  }
  const fresh = (event: UpstreamEvent): boolean => isScheduling(event) && !known.has(event.EventId);
  const episode = episodes.find((events) => events.some(fresh)) ?? [];
  const explicitIds = explicitInstanceIds(c);
  return episode.filter(fresh).map((event) => recordedDecision(event, explicitIds));
}

const isInbox = (event: UpstreamEvent): boolean => INBOX_EVENT_TYPES.includes(event.EventType);

interface RecordedEpisode {
  id: string;
  c: UpstreamCase;
  /** The history up to this episode, with the episode's OrchestratorStarted and inbox events only. */
  prefix: UpstreamEvent[];
  /** The scheduling events upstream recorded for it: up to the next episode that brings new inbox events. */
  recorded: UpstreamEvent[];
}

/**
 * The completed episodes (OrchestratorStarted … OrchestratorCompleted, with inbox events) inside an upstream history,
 * other than its last. Each is a point at which the history records what the host scheduled next. Histories that hand-place the scheduling
 * events in a following episode without inbox events (the fan-out builders do) are read the same way.
 */
function recordedEpisodes(c: UpstreamCase): RecordedEpisode[] {
  const h = c.history;
  const starts = h.flatMap((event, index) => (event.EventType === EventType.OrchestratorStarted ? [index] : []));
  const episodes = starts.map((start, k) => h.slice(start, starts[k + 1] ?? h.length));
  return episodes.flatMap((events, k) => {
    // The last episode of a history is the one its spec replays (checked above with the spec's expectation).
    if (k === episodes.length - 1 || !events.some(isInbox)) return [];
    if (events.at(-1)?.EventType !== EventType.OrchestratorCompleted) return [];
    const start = starts[k]!;
    const prefix = [
      ...h.slice(0, start),
      ...events.filter((event) => event.EventType === EventType.OrchestratorStarted || isInbox(event)),
    ];
    const known = new Set(prefix.filter(isScheduling).map((event) => event.EventId));
    const nextInbox = starts.find((_, j) => j > k && episodes[j]!.some(isInbox)) ?? h.length;
    const recorded = h.slice(start, nextInbox).filter((event) => isScheduling(event) && !known.has(event.EventId));
    return [{ id: `${c.id}#episode${k}`, c, prefix, recorded }];
  });
}

/** The runtime's decisions in the terms of an expectation (only the fields the expectation states). */
function comparable(result: EpisodeResult, like: readonly ExpectedDecision[]): ExpectedDecision[] {
  return result.decisions.map((decision, index) => {
    const wanted = like[index];
    const shown: ExpectedDecision = { kind: decision.kind, id: decision.id };
    if (decision.kind === "timer") {
      if (wanted?.fireAt !== undefined) shown.fireAt = decision.fireAt;
      return shown;
    }
    if (wanted?.name !== undefined) shown.name = decision.name;
    if (wanted && "input" in wanted) {
      shown.input = decision.input === null ? undefined : (JSON.parse(decision.input) as unknown);
    }
    if (decision.kind === "subOrchestration" && wanted?.instanceId !== undefined) {
      shown.instanceId = decision.instanceId;
    }
    return shown;
  });
}

/** A test, or, where `disagreement` names how the runtime disagrees with upstream, a test expected to fail. */
function check(title: string, disagreement: string | undefined, body: () => Promise<void>): void {
  if (disagreement === undefined) it(title, body);
  else it.fails(`${title} — disagreement: ${disagreement}`, body);
}

const parsed = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

for (const file of files) {
  describe(`${file.source.repository}@${file.source.commit.slice(0, 7)} ${file.source.spec}: ${file.source.describe}`, () => {
    for (const c of file.cases) {
      const marked = disagreements[c.id];
      describe(`${c.id} — ${c.upstream.test} [${c.upstream.history}]`, () => {
        check("the orchestrator returns the state the upstream spec expects", marked?.state, async () => {
          const outcome = await invoke(c);
          expect(outcome.kind).toBe("state");
          if (outcome.kind !== "state") return;
          const { state } = outcome;
          const checks = new Set(c.checks);
          if (checks.has("error")) {
            expect(outcome.threw).toBe(true);
            expect(state.error).toContain(c.expected.error);
          } else {
            // The spec deep-equals a returned state, so the orchestrator must not have thrown.
            expect(outcome.threw).toBe(false);
            expect(state.error).toBeUndefined();
          }
          if (checks.has("isDone")) expect(state.isDone).toBe(c.expected.isDone);
          if (checks.has("output")) expect(state.output).toEqual(c.expected.output);
          if (checks.has("customStatus")) expect(state.customStatus).toEqual(c.expected.customStatus);
          if (checks.has("actions")) {
            expect(state.actions).toHaveLength(1);
            const actions = state.actions[0] ?? [];
            if (c.schemaVersion >= 2) {
              expect(state.schemaVersion).toBe(c.schemaVersion);
              expect(actions).toEqual(c.expected.actions![0]!.map(asHostReadsIt));
            }
            expect(leaves(actions)).toEqual(c.expected.actions!.flat().map(asHostReadsIt));
          }
        });

        check("the runtime's episode: status, output and next actions", marked?.episode, async () => {
          const { record, now } = episodeOf(c);
          log.length = 0;
          const result = await runEpisode(record, now, env);
          const { episode } = result;
          const failed = c.checks.includes("error");
          if (failed) {
            expect(episode.status).toBe("Failed");
            expect(parsed(episode.output)).toContain(c.expected.error);
          } else {
            // Not Failed: in particular no non-determinism in the host's replay of this history.
            expect(episode.status, `episode output: ${episode.output ?? ""}`).not.toBe("Failed");
          }
          if (c.checks.includes("isDone") && c.expected.isDone === false && !failed) {
            expect(episode.status).toBe("Running");
          }
          if (c.expected.isDone === true) {
            const continueAsNew = c.expected.actions?.flat().find((a) => a.actionType === ActionType.ContinueAsNew);
            if (episode.status === "Running") {
              // The library is done while tasks it raced are still open (a Task.any's losers): the runtime's
              // completion rule keeps the instance Running until they finish. The upstream spec checks only isDone.
              const { activities, timers, subOrchestrations } = episode.pending;
              expect([...activities, ...timers, ...subOrchestrations].length).toBeGreaterThan(0);
            } else if (continueAsNew) {
              expect(episode.status).toBe("ContinuedAsNew");
              expect(parsed(result.continueAsNew?.input ?? null)).toEqual(continueAsNew.input);
            } else {
              expect(episode.status).toBe("Completed");
              expect(parsed(episode.output)).toEqual(c.expected.output);
            }
            // Done: nothing new is scheduled.
            expect(result.decisions).toEqual([]);
          }
          const fromSpec = decisionsFromSpec(c);
          if (fromSpec) expect(comparable(result, fromSpec)).toEqual(fromSpec);
          if (c.recordedNext) {
            const next = casesById.get(c.recordedNext);
            expect(next, `recordedNext ${c.recordedNext}`).toBeDefined();
            const recorded = decisionsRecordedNext(c, next!);
            expect(recorded.length).toBeGreaterThan(0);
            expect(comparable(result, recorded)).toEqual(recorded);
          }
        });
      });
    }
  });
}

describe("episodes recorded inside the upstream histories: the runtime schedules what the history recorded next", () => {
  const seen = new Set<string>();
  for (const episode of files.flatMap((file) => file.cases.flatMap(recordedEpisodes))) {
    const { c, prefix, recorded } = episode;
    // Several upstream histories share their first episodes; each distinct one runs once.
    const key = JSON.stringify([c.orchestrator, c.input, prefix, recorded]);
    if (seen.has(key)) continue;
    seen.add(key);
    const marked = disagreements[episode.id]?.episode;
    check(`${episode.id} [${c.upstream.history}]`, marked, async () => {
      const { record, now } = episodeOf(c, prefix);
      const result = await runEpisode(record, now, env);
      expect(result.episode.status, `episode output: ${result.episode.output ?? ""}`).not.toBe("Failed");
      const expected = recorded.map((event) => recordedDecision(event, explicitInstanceIds(c)));
      expect(comparable(result, expected)).toEqual(expected);
    });
  }
});

describe("the fixtures", () => {
  it("cover the upstream commit named in every file", () => {
    expect(new Set(files.map((f) => f.source.commit))).toEqual(new Set(["c212f6c4129c2c4fd128f67af688a1545b4c81a1"]));
    expect(casesById.size).toBe(files.reduce((n, f) => n + f.cases.length, 0));
  });
});
