/** Small adapters over the durable client: a missing instance is an answer, not an exception. */
import type { DurableClient, DurableOrchestrationStatus, GetStatusOptions } from "durable-functions";
import type { HistoryEventView } from "../lib/workflow/history.js";

export async function findStatus(
  client: DurableClient,
  instanceId: string,
  options: GetStatusOptions = {},
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId, options);
  } catch (error) {
    if (error instanceof Error && /HTTP 404/.test(error.message)) return undefined;
    throw error;
  }
}

export const isActive = (status: DurableOrchestrationStatus | undefined): boolean =>
  status !== undefined && ["Running", "Pending", "ContinuedAsNew", "Suspended"].includes(String(status.runtimeStatus));

/**
 * An instance's history with activity results. durable-functions 3.x drops the history from `getStatus` (it reads
 * `history`, the host sends `historyEvents`), so this asks the status endpoint directly, server to server.
 */
export async function fetchHistory(client: DurableClient, instanceId: string): Promise<HistoryEventView[]> {
  const url = new URL(client.createHttpManagementPayload(instanceId).statusQueryGetUri);
  url.searchParams.set("showHistory", "true");
  url.searchParams.set("showHistoryOutput", "true");
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  if (!response.ok) return [];
  const body = (await response.json()) as { historyEvents?: HistoryEventView[] };
  return body.historyEvents ?? [];
}
