/**
 * `GET /api/upgrades/{id}/audit`: the run's audit record, JSON or (`?format=md`) Markdown. Built from the run's
 * status and recorded evidence while Durable still holds it; read from the audit sink once the history is purged.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { z } from "zod";
import { auditMarkdown, buildAuditRecord, type AuditRecord, type AuditSource } from "../lib/audit/index.js";
import { NotFoundError } from "../lib/errors.js";
import type { RunView } from "../lib/workflow/model.js";
import { hopRunId } from "../lib/workflow/runId.js";
import { findStatus } from "./durable.js";
import { jsonResponse, parseInput } from "./http.js";
import { requireRunId } from "./inputs.js";

export const AuditQuerySchema = z.strictObject({ format: z.enum(["json", "md"]).optional() });

/**
 * The record of run `id` from Durable's status, or undefined when Durable holds no such instance. A run that is
 * archiving itself passes its ending and evidence, since its output does not exist yet.
 */
export async function auditFromDurable(
  client: DurableClient,
  id: string,
  archiving?: Pick<AuditSource, "ending" | "evidence">,
): Promise<AuditRecord | undefined> {
  const status = await findStatus(client, id, { showInput: true });
  if (!status) return undefined;
  const view = (status.output as { view?: RunView } | undefined)?.view ?? (status.customStatus as RunView | undefined);
  const hopCount = view?.hops && view.hops.length > 1 ? view.hops.length : 0;
  const hops: AuditRecord[] = [];
  for (let hop = 1; hop <= hopCount; hop++) {
    const record = await auditFromDurable(client, hopRunId(id, hop));
    if (record) hops.push(record);
  }
  return buildAuditRecord({
    instanceId: id,
    runtimeStatus: String(status.runtimeStatus),
    input: status.input,
    customStatus: status.customStatus,
    output: status.output,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    ...archiving,
    ...(hops.length > 0 ? { hops } : {}),
    now: new Date(),
  });
}

/** What the audit route reads besides Durable. */
export interface GetAuditDeps {
  /** The record the audit sink kept of run `id`, once Durable's history of it is purged. */
  archived(id: string): Promise<AuditRecord | undefined>;
}

export const makeGetAudit =
  (deps: GetAuditDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const id = requireRunId(request.params.id);
    const query = parseInput(
      AuditQuerySchema,
      Object.fromEntries(request.query.entries()),
      "invalid-query",
      "format must be json or md",
    );
    const record = (await auditFromDurable(client, id)) ?? (await deps.archived(id));
    if (!record) throw new NotFoundError(`no upgrade ${id}, and no audit record of one`, { code: "unknown-upgrade" });
    if (query.format === "md")
      return {
        status: 200,
        body: auditMarkdown(record),
        headers: {
          "content-type": "text/markdown; charset=utf-8",
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        },
      };
    return jsonResponse(200, record);
  };
