import { redactText } from "../../lib/redaction/index.js";
import { taskFailureMessage } from "../../lib/workflow/taskFailure.js";

/** A failed task's message, redacted and short: it goes into custom status, e-mails and the audit record. */
export function describeError(error: unknown): string {
  return redactText(taskFailureMessage(error)).slice(0, 400);
}
