/**
 * Cost per upgrade in Azure: a basic and a data upgrade on the embedded default (local runtime + simulator, virtual
 * clock), with what happened counted: orchestrator episodes, activity and HTTP executions and the time any of them
 * was executing, client calls to the durable API, every instance's history, e-mails sent. bench/cost-model.ts turns
 * them into billable units and an estimate. Unit prices are flags:
 *   npm run bench -- cost --gb-second 0.000026 --per-million-executions 0.4 --queue-per-10k 0.004 \
 *     --table-per-10k 0.00036 --email-per-1000 0.25 --scheduler-per-million-actions <price> --memory-mb 2048
 * The operator's own status polling is not counted: one status read at the end stands for it.
 */
import { parseArgs } from "node:util";
import { readOutbox } from "../lib/mail/index.js";
import type { RunView } from "../lib/workflow/model.js";
import type { LocalRuntime } from "../local/runtime/index.js";
import { registeredFunctions, TriggerType, type RegisteredFunction } from "../local/runtime/registry.js";
import { APPROVER, startDemo } from "../test/e2e/harness.js";
import {
  clientStorageOps,
  costOf,
  DEFAULT_PRICES,
  episodeStorageOps,
  schedulerActions,
  type ClientCalls,
  type Prices,
  type RunUsage,
} from "./cost-model.js";
import { figure, type BenchResult, type Row } from "./table.js";

const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };
/** infra/main.bicep `instanceMemoryMB` default. */
const DEFAULT_MEMORY_MB = 2048;

interface Executions {
  byType: Map<string, number>;
  /** Start and end (ms) of every execution, to measure the time at least one was running. */
  spans: [number, number][];
}

const executions: Executions = { byType: new Map(), spans: [] };
const counted = new WeakSet<RegisteredFunction>();

/** Wraps every registered handler the runtime calls, so each execution is counted and timed as it happens. */
function countExecutions(): void {
  for (const fn of registeredFunctions()) {
    if (counted.has(fn)) continue;
    const handler = fn.handler;
    fn.handler = async (trigger, context) => {
      const began = performance.now();
      try {
        return await handler(trigger, context);
      } finally {
        executions.byType.set(fn.triggerType, (executions.byType.get(fn.triggerType) ?? 0) + 1);
        executions.spans.push([began, performance.now()]);
      }
    };
    counted.add(fn);
  }
}

/** Seconds in which at least one function was executing: one instance bills its memory once for overlapping work. */
function activeSeconds(spans: [number, number][]): number {
  let total = 0;
  let end = -Infinity;
  for (const [from, to] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total / 1000;
}

/** Counts the durable API calls the app's functions make (they reach the runtime over its HTTP API). */
function countClientCalls(runtime: LocalRuntime): ClientCalls {
  const calls: ClientCalls = { starts: 0, events: 0, statusReads: 0 };
  const wrap = <K extends "startNew" | "raiseEvent" | "terminate" | "getStatus" | "list">(
    name: K,
    kind: keyof ClientCalls,
  ): void => {
    const original = runtime[name].bind(runtime) as (...args: unknown[]) => unknown;
    (runtime as unknown as Record<K, (...args: unknown[]) => unknown>)[name] = (...args: unknown[]) => {
      calls[kind] += 1;
      return original(...args);
    };
  };
  wrap("startNew", "starts");
  wrap("raiseEvent", "events");
  wrap("terminate", "events");
  wrap("getStatus", "statusReads");
  wrap("list", "statusReads");
  return calls;
}

async function usageOf(kind: "basic" | "data", memoryMb: number): Promise<RunUsage> {
  const demo = await startDemo(kind === "basic" ? { scenario: BASIC } : {});
  try {
    const runtime = demo.app.runtime;
    const statusOf = runtime.getStatus.bind(runtime);
    const listAll = runtime.list.bind(runtime);
    countExecutions();
    const calls = countClientCalls(runtime);
    executions.byType.clear();
    executions.spans = [];
    const id = await demo.start(kind === "basic" ? "2024.12.02" : "2025.05.00");
    const view = async (): Promise<RunView | undefined> => (await statusOf(id))?.customStatus as RunView | undefined;
    await runtime.runUntil(async () => (await view())?.status === "awaiting-approval");
    const link = (await demo.links(id, APPROVER)).at(-1);
    if (!link) throw new Error(`no approval link for ${APPROVER}`);
    await demo.decide(link, "approve", "change CHG-1234 approved");
    await runtime.runUntil(async () =>
      ["Completed", "Failed", "Terminated"].includes(String((await statusOf(id))?.runtimeStatus)),
    );
    const run = await demo.run(id);
    if (run.status !== "completed") throw new Error(`${kind} upgrade ended ${run.status}: ${run.reason}`);

    const storage = clientStorageOps(calls);
    let actions = calls.events;
    for (const instance of await listAll()) {
      const history = await runtime.history(instance.instanceId);
      const ops = episodeStorageOps(history);
      storage.queue += ops.queue;
      storage.table += ops.table;
      actions += schedulerActions(history);
    }
    return {
      orchestratorEpisodes: executions.byType.get(TriggerType.orchestration) ?? 0,
      activityExecutions: executions.byType.get(TriggerType.activity) ?? 0,
      httpExecutions: executions.byType.get(TriggerType.http) ?? 0,
      activeSeconds: activeSeconds(executions.spans),
      instanceMemoryGb: memoryMb / 1024,
      storage,
      schedulerActions: actions,
      emails: (await readOutbox(demo.app.outboxDir)).length,
    };
  } finally {
    await demo.close();
  }
}

function pricesFrom(args: string[]): { prices: Prices; memoryMb: number } {
  const number = { type: "string" } as const;
  const { values } = parseArgs({
    args,
    options: {
      "gb-second": number,
      "per-million-executions": number,
      "queue-per-10k": number,
      "table-per-10k": number,
      "email-per-1000": number,
      "scheduler-per-million-actions": number,
      "memory-mb": number,
    },
  });
  const read = (name: keyof typeof values, fallback: number): number => {
    const text = values[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a price: ${text}`);
    return value;
  };
  const scheduler = values["scheduler-per-million-actions"];
  return {
    prices: {
      gbSecond: read("gb-second", DEFAULT_PRICES.gbSecond),
      perMillionExecutions: read("per-million-executions", DEFAULT_PRICES.perMillionExecutions),
      queuePer10k: read("queue-per-10k", DEFAULT_PRICES.queuePer10k),
      tablePer10k: read("table-per-10k", DEFAULT_PRICES.tablePer10k),
      emailPer1000: read("email-per-1000", DEFAULT_PRICES.emailPer1000),
      schedulerPerMillionActions:
        scheduler === undefined ? DEFAULT_PRICES.schedulerPerMillionActions : read("scheduler-per-million-actions", 0),
    },
    memoryMb: read("memory-mb", DEFAULT_MEMORY_MB),
  };
}

const dollars = (value: number | undefined): string => (value === undefined ? "not priced" : `$${value.toFixed(6)}`);

export default async function costBench(args: string[]): Promise<BenchResult> {
  const { prices, memoryMb } = pricesFrom(args);
  // The first upgrade in a process also pays for JIT warm-up, first TLS handshakes and configuration loading.
  await usageOf("basic", memoryMb);
  const runs = [
    { kind: "basic", usage: await usageOf("basic", memoryMb) },
    { kind: "data", usage: await usageOf("data", memoryMb) },
  ] as const;
  const units: Row[] = runs.map(({ kind, usage }) => ({
    upgrade: kind,
    "orchestrator episodes": usage.orchestratorEpisodes,
    activities: usage.activityExecutions,
    "HTTP triggers": usage.httpExecutions,
    "active s": usage.activeSeconds,
    "GB-s": usage.activeSeconds * usage.instanceMemoryGb,
    "queue ops": usage.storage.queue,
    "table ops": usage.storage.table,
    "scheduler actions": usage.schedulerActions,
    "e-mails": usage.emails,
  }));
  const costs = runs.map(({ kind, usage }) => ({ kind, cost: costOf(usage, prices) }));
  const priced: Row[] = costs.map(({ kind, cost }) => ({
    upgrade: kind,
    functions: dollars(cost.functions),
    "Azure Storage provider": dollars(cost.storage),
    "Durable Task Scheduler": dollars(cost.scheduler),
    "e-mail": dollars(cost.email),
    "total, Azure Storage": dollars(cost.withAzureStorage),
    "total, scheduler": dollars(cost.withScheduler),
  }));
  const [basic, data] = costs;
  return {
    tables: [
      { title: `Billable units per upgrade (Flex Consumption, ${memoryMb} MB instances)`, rows: units },
      { title: "Estimated cost per upgrade (USD, before free grants)", rows: priced },
    ],
    notes: [
      `Prices: ${prices.gbSecond} $/GB-s, ${prices.perMillionExecutions} $/million executions, ` +
        `${prices.queuePer10k} $/10k queue ops, ${prices.tablePer10k} $/10k table ops, ${prices.emailPer1000} $/1000 ` +
        `e-mails, scheduler ${prices.schedulerPerMillionActions ?? "not priced"} $/million actions ` +
        "(defaults and sources: bench/cost-model.ts; override with flags).",
      "Active time is measured on this machine against the simulator; in Azure, ARM and Kubernetes calls take longer.",
    ],
    summary:
      `basic upgrade ${units[0]?.["orchestrator episodes"]} episodes, ${units[0]?.activities} activities, ` +
      `${units[0]?.["queue ops"]} queue + ${units[0]?.["table ops"]} table ops: ${dollars(basic?.cost.withAzureStorage)} ` +
      `with the Azure Storage provider; data upgrade ${units[1]?.["orchestrator episodes"]} episodes, ` +
      `${units[1]?.activities} activities: ${dollars(data?.cost.withAzureStorage)} (USD, list prices in ` +
      `bench/cost-model.ts, e-mail ${figure(Number(units[1]?.["e-mails"] ?? 0))} mails included)`,
  };
}
