/**
 * Keeps a finished run's audit record in the audit sink (a blob in Azure, a file locally), write-once, so it
 * outlives Durable's history. Called as the run's very last step with the evidence the run recorded; it reads the
 * run's status (input and view) through the durable client. Never fails the run: a record that cannot be kept is
 * reported as data.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { redactText } from "../lib/redaction/index.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { auditFromDurable } from "../functions/audit.js";

export const makeArchiveRun =
  (deps: Pick<WorkflowDeps, "audit">): ActivityHandler<typeof ACTIVITIES.archiveRun> =>
  async ({ runId, status, reason, endedAt, evidence }, context: InvocationContext) => {
    try {
      const record = await auditFromDurable(df.getClient(context), runId, {
        ending: { status, reason, endedAt },
        evidence,
      });
      if (!record) return { ok: false, reason: `no instance ${runId} to archive` };
      const written = await deps.audit().write(record);
      return {
        ok: true,
        ...written,
        ...(record.downtime.durationMs !== undefined ? { downtimeMs: record.downtime.durationMs } : {}),
      };
    } catch (error) {
      const reason = redactText(error instanceof Error ? error.message : String(error)).slice(0, 500);
      context.warn(`audit record of ${runId} not kept: ${reason}`);
      return { ok: false, reason };
    }
  };
