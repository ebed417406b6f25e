/** Where end-to-end apps log the largest custom status they saw, and the bound the app keeps by design. */
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";

export const CUSTOM_STATUS_LOG = path.resolve("test-results", "custom-status.jsonl");

/** Half of the host's 16 KB (UTF-16 bytes, DurableOrchestrationContext.SetCustomStatus). */
export const CUSTOM_STATUS_BUDGET_BYTES = 8 * 1024;

export function recordCustomStatus(
  largest: { instanceId: string; utf16Bytes: number } | undefined,
  file: string,
): void {
  if (!largest) return;
  mkdirSync(path.dirname(CUSTOM_STATUS_LOG), { recursive: true });
  appendFileSync(CUSTOM_STATUS_LOG, `${JSON.stringify({ ...largest, file })}\n`);
  if (largest.utf16Bytes >= CUSTOM_STATUS_BUDGET_BYTES)
    throw new Error(
      `custom status of ${largest.instanceId} reached ${largest.utf16Bytes} bytes UTF-16, over the ${CUSTOM_STATUS_BUDGET_BYTES}-byte budget`,
    );
}
