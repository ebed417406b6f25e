/**
 * Runbook: "Prepare new Helm user values". Prepares the target release's values from the deployed revision and
 * returns the plan: redacted diff, changes, warnings, blockers. The prepared file stays here.
 */
import { z } from "zod";
import type { PrepareValuesResult } from "../lib/workflow/contracts.js";
import { planUpgrade } from "../lib/workflow/planning.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";
import { sourceRevision } from "./sourceValues.js";

const InputSchema = ClusterRefSchema.extend({
  revision: z.number().int().positive(),
  valuesFingerprint: z.string().min(1),
  targetRelease: z.string().max(20),
  extraValues: z
    .string()
    .max(256 * 1024)
    .optional(),
});

export const makePrepareValues =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<PrepareValuesResult> => {
    const { cluster, revision, valuesFingerprint, targetRelease, extraValues } = InputSchema.parse(input);
    const app = services();
    const clients = app.cluster(cluster);
    const found = await sourceRevision(clients, revision, valuesFingerprint, app.signingKey);
    if (!found.ok)
      return { ok: false, blockers: [{ code: "source-changed", message: found.reason, severity: "blocker" }] };
    const planned = planUpgrade({
      catalog: app.catalog,
      profile: clients.profile,
      source: found.source,
      targetRelease,
      ...(extraValues ? { extraValues } : {}),
    });
    return planned.ok
      ? { ok: true, plan: planned.plan }
      : { ok: false, blockers: planned.blockers, ...(planned.plan ? { plan: planned.plan } : {}) };
  };
