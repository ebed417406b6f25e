/**
 * Fleet strategies (`config/fleets.yaml`): how one target release rolls across many clusters. A strategy is a list of
 * stages run in order; a stage holds groups run in parallel; a group selects clusters by name or by profile labels.
 * The vocabulary is Azure Kubernetes Fleet Manager's update strategy (stages, groups, `afterStageWaitInSeconds`,
 * `maxConcurrency` as a count or a percentage, before/after gates:
 * learn.microsoft.com/azure/kubernetes-fleet/update-create-update-strategy and the UpdateGroup/UpdateStage reference
 * of @azure/arm-containerservicefleet); failure budgets are Argo CD progressive syncs' and GKE rollout sequencing's
 * idea, expressed as `maxAllowedFailures`.
 */
import { z } from "zod";
import { durationSchema } from "../config/duration.js";
import { parseYamlConfig, type ConfigResult } from "../config/yaml-config.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const name = z.string().max(40).regex(DNS_LABEL, "lower-case letters, digits and hyphens");
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** A count (`3`) or a percentage of the clusters in scope (`"25%"`). */
export const quantitySchema = z.union([
  z.number().int().min(0),
  z.string().regex(/^(100|[1-9]?\d)%$/, 'a count such as 3, or a percentage such as "25%" (0-100)'),
]);
export type Quantity = z.output<typeof quantitySchema>;

const email = z.email().transform((address) => address.toLowerCase());

const approvalGateSchema = z.strictObject({
  type: z.literal("approval"),
  approvers: z.array(email).min(1),
  /** Distinct approvals needed, as for a cluster's own approval (quorum). */
  required: z.number().int().min(1).default(1),
  deadline: durationSchema.default(24 * 3_600_000),
  reminderAfter: durationSchema.optional(),
});

const scheduledStartGateSchema = z.strictObject({
  type: z.literal("scheduledStart"),
  /** Days it may open on (any day when omitted). */
  days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM (24-hour)"),
  utcOffset: z
    .string()
    .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, "expected +HH:MM or -HH:MM")
    .default("+00:00"),
});

/** The clusters of the stage before are still healthy (pods ready, UI answers), read at the end of the soak. */
const healthGateSchema = z.strictObject({ type: z.literal("health") });

export const gateSchema = z.discriminatedUnion("type", [
  approvalGateSchema,
  scheduledStartGateSchema,
  healthGateSchema,
]);
export type GateConfig = z.output<typeof gateSchema>;

const stageGatesSchema = z
  .strictObject({
    before: z.array(gateSchema).max(5).default([]),
    after: z
      .array(z.discriminatedUnion("type", [approvalGateSchema, healthGateSchema]))
      .max(5)
      .default([]),
  })
  .prefault({});

/**
 * A group waits for its own scheduled start before its first cluster starts, while the stage's other groups go on.
 * Approvals are stage gates: an approval gate on a group is not supported yet, and refusing it beats ignoring it.
 */
const groupGatesSchema = z.strictObject({ before: z.array(scheduledStartGateSchema).max(5).default([]) }).prefault({});

const selectorSchema = z
  .strictObject({
    environment: name.optional(),
    region: name.optional(),
    customer: name.optional(),
  })
  .refine((s) => Object.keys(s).length > 0, "name at least one label");

const groupSchema = z
  .strictObject({
    name,
    clusters: z.array(name).min(1).optional(),
    selector: selectorSchema.optional(),
    /** Fleet Manager's group default: members one at a time. */
    maxConcurrency: quantitySchema.default(1),
    maxAllowedFailures: quantitySchema.optional(),
    gates: groupGatesSchema,
  })
  .refine((g) => g.clusters !== undefined || g.selector !== undefined, {
    message: "select clusters by name (clusters) or by labels (selector)",
  });

const stageSchema = z.strictObject({
  name,
  groups: z.array(groupSchema).min(1).max(50),
  /** Unlimited when omitted: the groups' own limits decide. */
  maxConcurrency: quantitySchema.optional(),
  /** Fail-fast by default: the first failure stops new starts and fails the stage. */
  maxAllowedFailures: quantitySchema.default(0),
  /** Soak: a durable timer after the stage's clusters finished, before the next stage (Fleet's afterStageWait). */
  afterStageWait: durationSchema.optional(),
  gates: stageGatesSchema,
});

const strategySchema = z.strictObject({
  name,
  description: z.string().max(300).optional(),
  stages: z.array(stageSchema).min(1).max(20),
  /** A cluster busy with another upgrade: wait for it (polling on a durable timer), or report it as failed. */
  busyCluster: z.enum(["wait", "report"]).default("wait"),
  /** Who hears about each stage (started, finished, gate waiting). */
  notify: z.array(email).default([]),
  /** For the dry run's timeline only: how long one cluster's upgrade is expected to take. */
  estimatedUpgrade: durationSchema.default(45 * 60_000),
});
export type StrategyConfig = z.output<typeof strategySchema>;
export type StageConfig = StrategyConfig["stages"][number];
export type GroupConfig = StageConfig["groups"][number];

const fleetsSchema = z
  .strictObject({ strategies: z.array(strategySchema).min(1) })
  .superRefine((file, ctx) => {
    file.strategies.forEach((strategy, i) => {
      if (file.strategies.findIndex((s) => s.name === strategy.name) !== i)
        ctx.addIssue({ code: "custom", path: ["strategies", i, "name"], message: `${strategy.name} is defined twice` });
      strategy.stages.forEach((stage, j) => {
        if (strategy.stages.findIndex((s) => s.name === stage.name) !== j)
          ctx.addIssue({
            code: "custom",
            path: ["strategies", i, "stages", j, "name"],
            message: `stage ${stage.name} is defined twice`,
          });
        stage.groups.forEach((group, k) => {
          if (stage.groups.findIndex((g) => g.name === group.name) !== k)
            ctx.addIssue({
              code: "custom",
              path: ["strategies", i, "stages", j, "groups", k, "name"],
              message: `group ${group.name} is defined twice in stage ${stage.name}`,
            });
        });
        if (j === 0 && stage.gates.before.some((g) => g.type === "health"))
          ctx.addIssue({
            code: "custom",
            path: ["strategies", i, "stages", j, "gates", "before"],
            message: "a health gate before the first stage has no earlier stage to check",
          });
      });
    });
  })
  .transform((file) => file.strategies);

export const parseFleets = (yamlText: string): ConfigResult<StrategyConfig[]> =>
  parseYamlConfig(yamlText, fleetsSchema);
