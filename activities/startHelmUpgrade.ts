/**
 * Runbook: "Perform Helm upgrade", started and left running (the orchestration polls it). Re-prepares the values
 * from the planned revision (checked by fingerprint) and sends them with the command. Activities run at least
 * once: when a revision carrying this run's marker exists, the upgrade already started and is not started again.
 */
import { z } from "zod";
import { helmUpgradeArgs } from "../lib/clients/helm.js";
import { toShellLine } from "../lib/clients/shell.js";
import type { StartCommandResult } from "../lib/workflow/contracts.js";
import { helmRunMarker } from "../lib/workflow/names.js";
import { planUpgrade } from "../lib/workflow/planning.js";
import { helmFlagsFor, helmTimeout } from "../lib/workflow/helm.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";
import { sourceRevision } from "./sourceValues.js";

const InputSchema = ClusterRefSchema.extend({
  runId: z.string().max(200),
  phase: z.enum(["basic", "upgrade-mode", "finalize"]),
  attempt: z.number().int().positive(),
  sourceRevision: z.number().int().positive(),
  valuesFingerprint: z.string().min(1),
  targetRelease: z.string().max(20),
  extraValues: z
    .string()
    .max(256 * 1024)
    .optional(),
  helmTimeoutMs: z.number().int().positive(),
});

export const makeStartHelmUpgrade =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<StartCommandResult> => {
    const args = InputSchema.parse(input);
    const app = services();
    const clients = app.cluster(args.cluster);
    const found = await sourceRevision(clients, args.sourceRevision, args.valuesFingerprint, app.signingKey);
    if (!found.ok) return { ok: false, reason: found.reason };
    const marker = helmRunMarker(args.runId, args.phase, args.attempt);
    const planned = planUpgrade({
      catalog: app.catalog,
      profile: clients.profile,
      source: found.source,
      targetRelease: args.targetRelease,
      ...(args.extraValues ? { extraValues: args.extraValues } : {}),
    });
    if (!planned.ok) return { ok: false, reason: planned.blockers.map((b) => b.message).join("; ") };
    const command = helmUpgradeArgs({
      release: clients.target.releaseName,
      namespace: clients.target.namespace,
      chart: "cluedin/cluedin-platform",
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
