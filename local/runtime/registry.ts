/**
 * Captures the app's function registrations. `@azure/functions` registers through `require("@azure/functions-core")`,
 * a module only the real Node worker provides (REFERENCE §2); answering that request with a fake core captures every
 * `app.*` / `df.app.*` registration unchanged, so app code runs exactly as it would in Azure.
 */
import { Module } from "node:module";
import type { InvocationContext } from "@azure/functions";

export interface BindingMetadata {
  type: string;
  name: string;
  direction?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
}

export type FunctionHandler = (triggerInput: unknown, context: InvocationContext) => unknown;

export interface RegisteredFunction {
  name: string;
  triggerType: string;
  trigger: BindingMetadata;
  extraInputs: BindingMetadata[];
  extraOutputs: BindingMetadata[];
  returnBinding: BindingMetadata | undefined;
  handler: FunctionHandler;
}

export interface RegisteredHook {
  hookName: string;
  callback: unknown;
}

interface Registry {
  functions: Map<string, RegisteredFunction>;
  hooks: RegisteredHook[];
  installed: boolean;
  /** Counts registrations and disposals, so that what is derived from the functions can be cached until they change. */
  changes?: number;
}

// Kept on globalThis so that every copy of this module (test runners may load it twice) shares one registry.
const registryKey = Symbol.for("cluedin-upgrade.local-runtime.registry");

function registry(): Registry {
  const holder = globalThis as { [registryKey]?: Registry };
  holder[registryKey] ??= { functions: new Map(), hooks: [], installed: false };
  return holder[registryKey];
}

const isTrigger = (binding: BindingMetadata): boolean => binding.type.toLowerCase().endsWith("trigger");

function toRegisteredFunction(metadata: FunctionMetadata, handler: FunctionHandler): RegisteredFunction {
  const bindings = Object.values(metadata.bindings);
  const trigger = bindings.find(isTrigger);
  if (!trigger) throw new Error(`Function '${metadata.name}' has no trigger binding.`);
  return {
    name: metadata.name,
    triggerType: trigger.type,
    trigger,
    extraInputs: bindings.filter((b) => b !== trigger && b.direction === "in"),
    extraOutputs: bindings.filter((b) => b.direction === "out" && b.name !== "$return"),
    returnBinding: metadata.bindings.$return,
    handler,
  };
}

function logFromLibrary(level: string, _category: string, message: string): void {
  if (level === "error" || level === "warning") process.stderr.write(`[functions] ${level}: ${message}\n`);
}

/** Installs the fake `@azure/functions-core`; idempotent. Call before the app's modules register functions. */
export function captureRegistrations(): void {
  const reg = registry();
  if (reg.installed) return;
  const fakeCore = {
    setProgrammingModel(): void {},
    registerFunction(metadata: FunctionMetadata, handler: FunctionHandler): { dispose(): void } {
      const key = metadata.name.toLowerCase();
      // Azure refuses to start an app with two functions of one name (names are case-insensitive).
      if (reg.functions.has(key)) throw new Error(`A function named '${metadata.name}' is already registered.`);
      reg.functions.set(key, toRegisteredFunction(metadata, handler));
      reg.changes = (reg.changes ?? 0) + 1;
      return {
        dispose: () => {
          reg.changes = (reg.changes ?? 0) + 1;
          return reg.functions.delete(key);
        },
      };
    },
    registerHook(hookName: string, callback: unknown): { dispose(): void } {
      const hook = { hookName, callback };
      reg.hooks.push(hook);
      return { dispose: () => reg.hooks.splice(reg.hooks.indexOf(hook), 1) };
    },
    log: logFromLibrary,
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const originalLoad = loader._load;
  loader._load = function (this: unknown, request: string, ...rest: unknown[]): unknown {
    if (request === "@azure/functions-core") return fakeCore;
    return Reflect.apply(originalLoad, this, [request, ...rest]);
  };
  reg.installed = true;
}

/** The registered function of that name (case-insensitive, as the Functions host resolves names). */
export function findFunction(name: string, triggerType?: string): RegisteredFunction | undefined {
  const fn = registry().functions.get(name.toLowerCase());
  if (fn && triggerType && fn.triggerType !== triggerType) return undefined;
  return fn;
}

/** Changes whenever a function is registered or disposed of. */
export function registrationVersion(): number {
  return registry().changes ?? 0;
}

export function registeredFunctions(): RegisteredFunction[] {
  return [...registry().functions.values()];
}

export function registeredHooks(): RegisteredHook[] {
  return [...registry().hooks];
}

export const TriggerType = {
  orchestration: "orchestrationTrigger",
  activity: "activityTrigger",
  entity: "entityTrigger",
  http: "httpTrigger",
} as const;
