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
 * The extension's local RPC base (`http://127.0.0.1:17071/durabletask/` in Azure) from the client's binding data:
 * durable-functions' own DurableClient calls it for every operation when it is there (getStatusInternal), and keeps
 * the binding data on the client without typing it.
 */
function rpcBaseUrl(client: DurableClient): string | undefined {
  const data = (client as unknown as { clientData?: { rpcBaseUrl?: unknown } }).clientData;
  return typeof data?.rpcBaseUrl === "string" && data.rpcBaseUrl !== "" ? data.rpcBaseUrl : undefined;
}

/**
 * An instance's history with activity results. durable-functions 3.x drops the history from `getStatus` (it reads
 * `history`, the host sends `historyEvents`), so this asks the status API directly: through the extension's local
 * RPC endpoint, as the client itself does, because the public webhook URL sits behind App Service authentication
 * when the app has sign-in on (a server-to-server call has no session and gets the sign-in redirect). The webhook
 * URL is only the fallback for a host without the RPC endpoint, and a redirect there is not followed.
 */
export async function fetchHistory(client: DurableClient, instanceId: string): Promise<HistoryEventView[]> {
  const rpc = rpcBaseUrl(client);
  const url = rpc
    ? new URL(`instances/${encodeURIComponent(instanceId)}`, rpc)
    : new URL(client.createHttpManagementPayload(instanceId).statusQueryGetUri);
  url.searchParams.set("showHistory", "true");
  url.searchParams.set("showHistoryOutput", "true");
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
  if (!response.ok) return [];
  const body = (await response.json()) as { historyEvents?: HistoryEventView[] };
  return body.historyEvents ?? [];
}
