/** Small adapters over the durable client: a missing instance is an answer, not an exception. */
import type { DurableClient, DurableOrchestrationStatus, GetStatusOptions } from "durable-functions";

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

export const isConflict = (error: unknown): boolean => error instanceof Error && /status code: 409/.test(error.message);
