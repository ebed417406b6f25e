/**
 * Keeps a finished run's audit record in the audit sink (a blob in Azure, a file locally), write-once, so it
 * outlives Durable's history. Called as the run's very last step; it reads the run's own history through the
 * durable client. Never fails the run: a record that cannot be kept is reported as data.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import { redactText } from "../lib/redaction/index.js";
import { RUN_STATUSES } from "../lib/workflow/model.js";
import { auditFromDurable } from "../functions/audit.js";
import type { ServicesFactory } from "./schemas.js";

export const ArchiveRunInputSchema = z.object({
  runId: z.string().min(1).max(200),
  status: z.enum(RUN_STATUSES),
  reason: z.string().max(20_000),
  revisionBefore: z.number().int().optional(),
  revisionAfter: z.number().int().optional(),
});
export type ArchiveRunInput = z.infer<typeof ArchiveRunInputSchema>;

export type ArchiveRunResult =
  { ok: true; created: boolean; location: string; downtimeMs?: number } | { ok: false; reason: string };

export const makeArchiveRun =
  (services: ServicesFactory) =>
  async (input: unknown, context: InvocationContext): Promise<ArchiveRunResult> => {
    const parsed = ArchiveRunInputSchema.safeParse(input);
    if (!parsed.success) return { ok: false, reason: `invalid input: ${parsed.error.issues[0]?.message ?? "?"}` };
    const args = parsed.data;
    try {
      const { runId, ...ending } = args;
      const record = await auditFromDurable(df.getClient(context), runId, ending);
      if (!record) return { ok: false, reason: `no instance ${runId} to archive` };
      const written = await services().audit.write(record);
      return {
        ok: true,
        ...written,
        ...(record.downtime.durationMs !== undefined ? { downtimeMs: record.downtime.durationMs } : {}),
      };
    } catch (error) {
      const reason = redactText(error instanceof Error ? error.message : String(error)).slice(0, 500);
      context.warn(`audit record of ${args.runId} not kept: ${reason}`);
      return { ok: false, reason };
    }
  };
