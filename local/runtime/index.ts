/** The embedded durable runtime: runs the app's registered functions locally, as the Functions host does in Azure. */
export { captureRegistrations, registeredFunctions, registeredHooks, type RegisteredFunction } from "./registry.js";
export {
  LocalRuntime,
  type DriveOptions,
  type ListFilter,
  type LocalRuntimeOptions,
  type StartOptions,
} from "./runtime.js";
export { LocalRuntimeError, type LocalRuntimeErrorCode } from "./errors.js";
export type { InstanceStatus, RuntimeStatus, StatusOptions } from "./instance.js";
export { EventType, type HistoryEvent } from "./history.js";
