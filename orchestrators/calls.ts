/**
 * Typed calls from an orchestration to its activities and sub-orchestrations: the input is checked by the compiler
 * against the callee's schema and the result comes back as the callee's result type. The one cast of a durable
 * result lives here.
 */
import type { RetryOptions, Task } from "durable-functions";
import type { z } from "zod";
import type { Activity } from "../lib/workflow/activities.js";
import type { Orchestration } from "../lib/workflow/orchestrations.js";

export type Flow<T> = Generator<Task, T, unknown>;

/** A scheduled call whose task may race others (`Task.any`); `result()` reads it once it has completed. */
export interface Scheduled<R> {
  readonly task: Task;
  result(): R;
}

const scheduled = <R>(task: Task): Scheduled<R> => ({ task, result: () => task.result as R });

/** Tasks that wait on a sub-orchestration: the long waits (monitors) a stage may race with a timer. */
const childTasks = new WeakSet<Task>();
export const isChildWait = (task: Task): boolean => childTasks.has(task);

export function schedule<S extends z.ZodType, R>(
  activity: Activity<S, R>,
  input: z.input<S>,
  retry?: RetryOptions,
): Scheduled<R> {
  const task = activity.handle(input);
  return scheduled(retry ? task.withRetry(retry) : task);
}

export function scheduleChild<S extends z.ZodType, R>(
  orchestration: Orchestration<S, R>,
  input: z.input<S>,
  instanceId?: string,
): Scheduled<R> {
  const task = orchestration.handle(input, instanceId);
  childTasks.add(task);
  return scheduled(task);
}

export function* call<S extends z.ZodType, R>(
  activity: Activity<S, R>,
  input: z.input<S>,
  retry?: RetryOptions,
): Flow<R> {
  const pending = schedule(activity, input, retry);
  yield pending.task;
  return pending.result();
}

export function* callChild<S extends z.ZodType, R>(
  orchestration: Orchestration<S, R>,
  input: z.input<S>,
  instanceId?: string,
): Flow<R> {
  const pending = scheduleChild(orchestration, input, instanceId);
  yield pending.task;
  return pending.result();
}
