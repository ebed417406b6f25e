/**
 * Reading an orchestration's history as Durable Functions' status API returns it (`showHistory` with
 * `showHistoryOutput`): the results of named activities, for pages and the audit record.
 */
export interface HistoryEventView {
  EventType: string;
  FunctionName?: string;
  Result?: unknown;
  Timestamp?: string;
  ScheduledTime?: string;
  Name?: string;
  Input?: unknown;
}

function parsed(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Results of every completed call of `functionName`, oldest first. */
export function activityResults(history: readonly HistoryEventView[] | undefined, functionName: string): unknown[] {
  return (history ?? [])
    .filter((e) => e.EventType === "TaskCompleted" && e.FunctionName === functionName)
    .map((e) => parsed(e.Result));
}

export function lastActivityResult<T>(
  history: readonly HistoryEventView[] | undefined,
  functionName: string,
): T | undefined {
  return activityResults(history, functionName).at(-1) as T | undefined;
}
