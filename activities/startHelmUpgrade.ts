/**
 * Runbook: "Perform Helm upgrade", started and left running (the orchestration polls it). Re-prepares the values
 * from the planned revision (checked by fingerprint) and sends them with the command, with the further values files
 * the release page names (read here from config/values-files/, never carried through orchestration state).
 * Activities run at least once: when a revision carrying this run's marker exists, the upgrade already started and
 * is not started again.
 */
import { findRelease } from "../lib/catalog/index.js";
import { toShellLine } from "../lib/clients/shell.js";
import { helmRunMarker } from "../lib/workflow/names.js";
import { planUpgrade } from "../lib/workflow/planning.js";
import { displayHelmCommand, extraValuesFilesFor, helmUpgradeCommand } from "../lib/workflow/helm.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { sourceRevision } from "./sourceValues.js";

export const makeStartHelmUpgrade =
  (
    deps: Pick<WorkflowDeps, "cluster" | "catalog" | "signingKey" | "valuesFile">,
  ): ActivityHandler<typeof ACTIVITIES.startHelmUpgrade> =>
  async (args) => {
    const clients = deps.cluster(args.cluster);
    const found = await sourceRevision(clients, args.sourceRevision, args.valuesFingerprint, deps.signingKey());
    if (!found.ok) return { ok: false, reason: found.reason };
    const catalog = deps.catalog();
    const release = findRelease(catalog, args.targetRelease);
    if (!release) return { ok: false, reason: `${args.targetRelease} is not in the release catalog` };
    const planned = planUpgrade({
      catalog,
      profile: clients.profile,
      source: found.source,
      targetRelease: args.targetRelease,
      ...(args.extraValues ? { extraValues: args.extraValues } : {}),
    });
    if (!planned.ok) return { ok: false, reason: planned.blockers.map((b) => b.message).join("; ") };
    const input = {
      release,
      phase: args.phase,
      profile: {
        release: clients.target.releaseName,
        namespace: clients.target.namespace,
        helmTimeoutMs: args.helmTimeoutMs,
      },
      source: clients.profile.chartSource,
      valuesFile: planned.plan.valuesFile,
      description: helmRunMarker(args.runId, args.phase, args.attempt),
    };
    // What the approvers read is what runs: a profile or catalog changed since the plan refuses the start.
    const shown = displayHelmCommand(input);
    if (args.approvedCommand !== undefined && args.approvedCommand !== shown)
      return {
        ok: false,
        reason: `the Helm command is no longer the one approved (the cluster profile or the catalog changed): approved "${args.approvedCommand}", now "${shown}"`,
      };
    const command = helmUpgradeCommand(input);
    const earlier = found.all.find((r) => r.description === input.description);
    if (earlier)
      return {
        ok: true,
        handle: { driver: "release", revision: earlier.revision, startedAt: earlier.updatedAt },
        command: toShellLine([command]),
        resumed: true,
      };
    const files = [
      { name: planned.plan.valuesFile, content: planned.preparedValues },
      ...extraValuesFilesFor(release, args.phase).map((name) => ({ name, content: deps.valuesFile(name) })),
    ];
    const handle = await clients.runner.start([command], files);
    return { ok: true, handle, command: toShellLine([command]), resumed: false };
  };
