/**
 * The public request bodies, one schema each: the HTTP triggers validate with them and the OpenAPI document is
 * generated from them.
 */
import { z } from "zod";
import { RELEASE_TAG_PATTERN } from "../catalog/release-tag.js";
import { RUN_STATUSES } from "./model.js";
import { RUN_ID_PATTERN } from "./runId.js";

const clusterName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a cluster profile name: lower-case letters, digits and hyphens");
const releaseTag = z
  .string()
  .min(4)
  .max(20)
  .regex(RELEASE_TAG_PATTERN, "a CluedIn release such as 2025.05.00 or 2026.01.00-support");
/** Extra user values (YAML) merged over the prepared file; secrets are refused, they would enter history. */
const extraValues = z.string().max(256 * 1024);

export const PlanRequestSchema = z.strictObject({
  cluster: clusterName,
  targetRelease: releaseTag,
  values: extraValues.optional(),
});
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

/** Who asks, as a caller declares it (believed only where functions/upgrades.ts `requesterOf` says). */
const requestedBy = z.strictObject({
  name: z.string().min(1).max(200),
  email: z.email().max(320).optional(),
});

export const StartUpgradeRequestSchema = z.strictObject({
  cluster: clusterName,
  targetRelease: releaseTag,
  notBefore: z.iso.datetime({ offset: true }).optional(),
  values: extraValues.optional(),
  allowChain: z.boolean().optional(),
  requestedBy: requestedBy.optional(),
});
export type StartUpgradeRequest = z.infer<typeof StartUpgradeRequestSchema>;

export const CancelRequestSchema = z.strictObject({
  reason: z.string().max(500).optional(),
  by: z.string().max(200).optional(),
});

export const ListQuerySchema = z.strictObject({
  cluster: clusterName.optional(),
  status: z.enum(RUN_STATUSES).optional(),
});

export const RunIdSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(new RegExp(RUN_ID_PATTERN), "an upgrade id such as demo-20260105t090000z-3f9a1c");

/** An upgrade run's id, and never a restore's: a restore's set is its run's, not its own. */
const upgradeRunId = RunIdSchema.refine((id) => !id.endsWith("-restore"), "an upgrade id, not a restore's");

export const StartRestoreRequestSchema = z.strictObject({
  runId: upgradeRunId,
  requestedBy: requestedBy.optional(),
  /** Why the data goes back: shown to the approvers and kept in the audit record. */
  reason: z.string().trim().min(1, "say why the data must go back").max(2000),
});
export type StartRestoreRequest = z.infer<typeof StartRestoreRequestSchema>;

export const RestoreIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(new RegExp(RUN_ID_PATTERN), "a restore id such as demo-20260105t090000z-3f9a1c-restore")
  .refine((id) => id.endsWith("-restore"), "a restore id such as demo-20260105t090000z-3f9a1c-restore");
