/**
 * Runbook: "Perform Helm upgrade", started and left running (the orchestration polls it). Re-prepares the values
 * from the planned revision (checked by fingerprint) and sends them with the command. Activities run at least
 * once: when a revision carrying this run's marker exists, the upgrade already started and is not started again.
 */
import { cluedinChart, helmUpgradeArgs } from "../lib/clients/helm.js";
import { toShellLine } from "../lib/clients/shell.js";
import { helmRunMarker } from "../lib/workflow/names.js";
import { planUpgrade } from "../lib/workflow/planning.js";
import { helmFlagsFor, helmTimeout } from "../lib/workflow/helm.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { sourceRevision } from "./sourceValues.js";

export const makeStartHelmUpgrade =
  (
    deps: Pick<WorkflowDeps, "cluster" | "catalog" | "signingKey">,
  ): ActivityHandler<typeof ACTIVITIES.startHelmUpgrade> =>
  async (args) => {
    const clients = deps.cluster(args.cluster);
    const found = await sourceRevision(clients, args.sourceRevision, args.valuesFingerprint, deps.signingKey());
    if (!found.ok) return { ok: false, reason: found.reason };
    const marker = helmRunMarker(args.runId, args.phase, args.attempt);
    const planned = planUpgrade({
      catalog: deps.catalog(),
      profile: clients.profile,
      source: found.source,
      targetRelease: args.targetRelease,
      ...(args.extraValues ? { extraValues: args.extraValues } : {}),
    });
    if (!planned.ok) return { ok: false, reason: planned.blockers.map((b) => b.message).join("; ") };
    const command = helmUpgradeArgs({
      release: clients.target.releaseName,
      namespace: clients.target.namespace,
      chart: cluedinChart,
      version: planned.plan.toChart,
      valuesFile: planned.plan.valuesFile,
      set: helmFlagsFor(args.phase),
      wait: args.phase !== "finalize",
      timeout: helmTimeout(args.helmTimeoutMs),
      description: marker,
    });
    const shown = toShellLine([command]);
    const earlier = found.all.find((r) => r.description === marker);
    if (earlier)
      return {
        ok: true,
        handle: { driver: "release", revision: earlier.revision, startedAt: earlier.updatedAt },
        command: shown,
        resumed: true,
      };
    const handle = await clients.runner.start(
      [command],
      [{ name: planned.plan.valuesFile, content: planned.preparedValues }],
    );
    return { ok: true, handle, command: shown, resumed: false };
  };
