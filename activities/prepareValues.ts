/**
 * Runbook: "Prepare new Helm user values". Prepares the target release's values from the deployed revision and
 * returns the plan: redacted diff, changes, warnings, blockers. The prepared file stays here.
 */
import { planUpgrade } from "../lib/workflow/planning.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { sourceRevision } from "./sourceValues.js";

export const makePrepareValues =
  (deps: Pick<WorkflowDeps, "cluster" | "catalog" | "signingKey">): ActivityHandler<typeof ACTIVITIES.prepareValues> =>
  async ({ cluster, revision, valuesFingerprint, targetRelease, extraValues }) => {
    const clients = deps.cluster(cluster);
    const found = await sourceRevision(clients, revision, valuesFingerprint, deps.signingKey());
    if (!found.ok)
      return { ok: false, blockers: [{ code: "source-changed", message: found.reason, severity: "blocker" }] };
    const planned = planUpgrade({
      catalog: deps.catalog(),
      profile: clients.profile,
      source: found.source,
      targetRelease,
      ...(extraValues ? { extraValues } : {}),
    });
    return planned.ok
      ? { ok: true, plan: planned.plan }
      : { ok: false, blockers: planned.blockers, ...(planned.plan ? { plan: planned.plan } : {}) };
  };
