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
    logHandler: (level, ...args) => env.log(`[${fn.name}] ${level === "information" ? "" : `${level}: `}${format(...args)}`),
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
  | { kind: "state"; state: OrchestratorState; threw: boolean }
  | { kind: "crash"; message: string };

function parseState(raw: unknown): OrchestratorState {
  // The host receives the state as JSON: Dates become strings, undefined disappears.
  const parsed = orchestratorStateSchema.safeParse(JSON.parse(JSON.stringify(raw ?? null)));
  if (!parsed.success) throw new Error(`The orchestrator returned a state the host cannot read: ${parsed.error.message}`);
  return parsed.data;
}

export async function runOrchestrator(
  fn: RegisteredFunction,
  call: OrchestratorCall,
  env: InvocationEnvironment,
): Promise<OrchestratorOutcome> {
  const history = [
    ...call.pastEvents.map((event) => ({ ...event, IsPlayed: true })),
    ...call.newEvents.map((event) => ({ ...event, IsPlayed: false })),
  ];
  // A JSON copy, as over the wire: the library rewrites Timestamps into Dates in place.
  const trigger: unknown = JSON.parse(
    JSON.stringify({
      history,
      input: call.input,
      instanceId: call.instanceId,
      isReplaying: call.pastEvents.length > 0,
      parentInstanceId: call.parentInstanceId,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: timeSpan(LONG_TIMER_INTERVAL_MS),
      maximumShortTimerDuration: timeSpan(MAX_SHORT_TIMER_MS),
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    }),
  );
  const context = newInvocationContext(fn, env);
  let raw: unknown;
  try {
    raw = await fn.handler(trigger, context);
  } catch (error) {
    const message = errorMessage(error);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at < 0) return { kind: "crash", message };
    try {
      return { kind: "state", state: parseState(JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length))), threw: true };
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
