/**
 * Vitest global setup: clears the custom status log the end-to-end harness writes, and after the run prints the
 * largest custom status any end-to-end run published (the host refuses more than 16 KB of UTF-16; the app keeps it
 * under half of that by design).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { CUSTOM_STATUS_LOG } from "../e2e/custom-status.js";

export default function setup(): () => void {
  rmSync(CUSTOM_STATUS_LOG, { force: true });
  return () => {
    if (!existsSync(CUSTOM_STATUS_LOG)) return;
    const seen = readFileSync(CUSTOM_STATUS_LOG, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { instanceId: string; utf16Bytes: number; file: string });
    const largest = seen.reduce((a, b) => (b.utf16Bytes > a.utf16Bytes ? b : a));
    console.log(
      `largest custom status of the end-to-end suite: ${largest.utf16Bytes} bytes UTF-16 ` +
        `(${(largest.utf16Bytes / 1024).toFixed(1)} KB of the host's 16 KB; ${largest.instanceId}, ${largest.file}; ${seen.length} apps)`,
    );
  };
}
