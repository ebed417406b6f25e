/**
 * Calls captured handlers the way the Functions host and the Node worker do: a fresh InvocationContext per call, the
 * orchestrator trigger payload of REFERENCE §2 as a JSON copy, the `$OutOfProcData$` failure path, and durable client
 * binding data for functions that declare a durableClient input.
 */
import { randomUUID } from "node:crypto";
import { format } from "node:util";
import azureFunctions from "@azure/functions";
import { LONG_TIMER_INTERVAL_MS, MAX_SHORT_TIMER_MS } from "./host-replay.js";
import { errorMessage } from "./errors.js";
import { orchestratorStateSchema, type HistoryEvent, type OrchestratorState } from "./history.js";
import type { RegisteredFunction } from "./registry.js";

const { InvocationContext } = azureFunctions;

const OUT_OF_PROC_LABEL = "\n\n$OutOfProcData$:";

/** What the extension's BindingHelper hands a function with a durableClient input. */
export interface DurableClientData {
  taskHubName: string;
  creationUrls: Record<string, string>;
  managementUrls: Record<string, string>;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

/** Binding data whose URLs point at a runtime served at `origin`, as the extension builds them for its host. */
export function durableClientData(origin: string, taskHubName: string, systemKey: string): DurableClientData {
  const base = `${origin}/runtime/webhooks/durabletask`;
  const code = `code=${systemKey}`;
  const query = `taskHub=${taskHubName}&connection=Storage&${code}`;
  const instance = `${base}/instances/INSTANCEID`;
  const creation = `${base}/orchestrators/{functionName}[/{instanceId}]`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${creation}?${code}`,
      createAndWaitOnNewInstancePostUri: `${creation}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
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
    rpcBaseUrl: `${origin}/durabletask/`,
  };
}

export interface InvocationEnvironment {
  log: (line: string) => void;
  clientData: () => DurableClientData;
}

const isDurableClientBinding = (type: string): boolean => type === "durableClient" || type === "orchestrationClient";

export function newInvocationContext(
  fn: RegisteredFunction,
  env: InvocationEnvironment,
  triggerMetadata?: Record<string, unknown>,
): InstanceType<typeof InvocationContext> {
  const context = new InvocationContext({
    functionName: fn.name,
    invocationId: randomUUID(),
    logHandler: (level, ...args) =>
      env.log(`[${fn.name}] ${level === "information" ? "" : `${level}: `}${format(...args)}`),
    ...(triggerMetadata ? { triggerMetadata } : {}),
    options: {
      trigger: fn.trigger,
      ...(fn.returnBinding ? { return: fn.returnBinding } : {}),
      extraInputs: fn.extraInputs,
      extraOutputs: fn.extraOutputs,
    },
  });
  for (const input of fn.extraInputs) {
    if (isDurableClientBinding(input.type)) context.extraInputs.set(input.name, env.clientData());
  }
  return context;
}

/** Hours, minutes and seconds as .NET TimeSpan text ("d.hh:mm:ss"), the form the extension sends. */
function timeSpan(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const rest = new Date(ms % 86_400_000).toISOString().slice(11, 19);
  return `${days}.${rest}`;
}

export interface OrchestratorCall {
  instanceId: string;
  input: unknown;
  parentInstanceId: string | null;
  /** Events from earlier episodes (replayed) followed by this episode's new events. */
  pastEvents: readonly HistoryEvent[];
  newEvents: readonly HistoryEvent[];
}

export type OrchestratorOutcome =
  { kind: "state"; state: OrchestratorState; threw: boolean } | { kind: "crash"; message: string };

function parseState(raw: unknown): OrchestratorState {
  // The host receives the state as JSON: Dates become strings, undefined disappears.
  const parsed = orchestratorStateSchema.safeParse(JSON.parse(JSON.stringify(raw ?? null)));
  if (!parsed.success)
    throw new Error(`The orchestrator returned a state the host cannot read: ${parsed.error.message}`);
  return parsed.data;
}

// Past events only ever grow by appending, so their JSON (IsPlayed: true) is built once per event.
const pastJsonCache = new WeakMap<readonly HistoryEvent[], { count: number; json: string }>();

function pastEventsJson(events: readonly HistoryEvent[]): string {
  let cached = pastJsonCache.get(events);
  if (!cached || cached.count > events.length) cached = { count: 0, json: "" };
  if (cached.count < events.length) {
    const more = events.slice(cached.count).map((event) => JSON.stringify({ ...event, IsPlayed: true }));
    cached = { count: events.length, json: [cached.json, ...more].filter(Boolean).join(",") };
    pastJsonCache.set(events, cached);
  }
  return cached.json;
}

export async function runOrchestrator(
  fn: RegisteredFunction,
  call: OrchestratorCall,
  env: InvocationEnvironment,
): Promise<OrchestratorOutcome> {
  const newJson = call.newEvents.map((event) => JSON.stringify({ ...event, IsPlayed: false })).join(",");
  const payload = JSON.stringify({
    input: call.input,
    instanceId: call.instanceId,
    isReplaying: call.pastEvents.length > 0,
    parentInstanceId: call.parentInstanceId,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: timeSpan(LONG_TIMER_INTERVAL_MS),
    maximumShortTimerDuration: timeSpan(MAX_SHORT_TIMER_MS),
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  });
  // Parsed from text, as it arrives over the wire: the library rewrites Timestamps into Dates in place.
  const history = [pastEventsJson(call.pastEvents), newJson].filter(Boolean).join(",");
  const trigger: unknown = JSON.parse(`{"history":[${history}],${payload.slice(1)}`);
  const context = newInvocationContext(fn, env);
  let raw: unknown;
  try {
    raw = await fn.handler(trigger, context);
  } catch (error) {
    const message = errorMessage(error);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at < 0) return { kind: "crash", message };
    try {
      return {
        kind: "state",
        state: parseState(JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length))),
        threw: true,
      };
    } catch (parseError) {
      return { kind: "crash", message: errorMessage(parseError) };
    }
  }
  try {
    return { kind: "state", state: parseState(raw), threw: false };
  } catch (parseError) {
    return { kind: "crash", message: errorMessage(parseError) };
  }
}

export type ActivityOutcome = { ok: true; result: string } | { ok: false; error: unknown };

/** Runs an activity with its input; the result travels as JSON text, as it does through the host. */
export async function runActivity(
  fn: RegisteredFunction,
  input: string | null,
  instanceId: string,
  env: InvocationEnvironment,
): Promise<ActivityOutcome> {
  try {
    const value: unknown = input === null ? undefined : JSON.parse(input);
    const result: unknown = await fn.handler(value, newInvocationContext(fn, env, { instanceId }));
    return { ok: true, result: JSON.stringify(result ?? null) };
  } catch (error) {
    return { ok: false, error };
  }
}
