/**
 * The message of a failed activity or sub-orchestration as an orchestration receives it, without the host's
 * framing. In Azure the Durable extension fails the task with `Reason` "Activity function '<name>' failed:
 * <message>" and a serialized .NET exception as `Details`, and durable-functions hands the orchestrator
 * `new Error(`${Reason} \n ${Details}`)` (durable-functions TaskOrchestrationExecutor.js; extension
 * Listener/TaskActivityShim.cs). Only the reason's message is for people: status, e-mails, the audit record.
 */
const FRAMING = /^(?:Activity|Orchestrator) function '[^']*' failed:\s*/;
const DETAILS_SEPARATOR = " \n ";

export function taskFailureMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cut = text.indexOf(DETAILS_SEPARATOR);
  const reason = cut === -1 ? text : text.slice(0, cut);
  return reason.replace(FRAMING, "").trim();
}
