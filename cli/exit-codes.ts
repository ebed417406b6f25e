/** Exit codes scripts can rely on; README lists them. */
import type { RunStatus } from "../lib/workflow/model.js";

export const EXIT = {
  /** Done: the request succeeded, or the followed run completed. */
  ok: 0,
  /** The run ended failed, rejected or cancelled; the plan has blockers; the API refused (404, 409). */
  failed: 1,
  /** Bad usage: invalid options or input the API rejected as such (400, 401, 403, 413, 415). */
  usage: 2,
  /** The run halted: an operator must act on the cluster. */
  halted: 3,
  /** The API could not be reached or failed (network error, 5xx). */
  unreachable: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A run's status as an exit code; a run still going is not a failure. */
export function exitCodeForStatus(status: RunStatus): ExitCode {
  if (status === "halted") return EXIT.halted;
  return ["failed", "rejected", "cancelled", "restored"].includes(status) ? EXIT.failed : EXIT.ok;
}

/** A restore's status as an exit code: for a restore, `restored` is the success. */
export function exitCodeForRestore(status: RunStatus): ExitCode {
  return status === "restored" ? EXIT.ok : exitCodeForStatus(status);
}

export function exitCodeForHttp(status: number): ExitCode {
  if (status < 400) return EXIT.ok;
  if (status >= 500) return EXIT.unreachable;
  return [404, 409, 410].includes(status) ? EXIT.failed : EXIT.usage;
}
