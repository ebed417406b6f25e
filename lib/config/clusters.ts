/**
 * Cluster profiles (`config/clusters.yaml`): where a CluedIn installation lives, who approves its upgrades, who hears
 * about them, and how patient each stage is. Durations are written as `30s`/`10m`/`PT4H` and parsed to milliseconds.
 */
import { z } from "zod";
import { DOCUMENTED_CHART_REPOSITORY, parseChartSource, type ChartSource } from "./chart-source.js";
import { SNAPSHOT_MODES } from "../workflow/snapshots.js";
import { PRE_PULL_MODES } from "../workflow/prepull.js";
import { durationSchema } from "./duration.js";
import { parseYamlConfig, type ConfigResult } from "./yaml-config.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const email = z.email().transform((address) => address.toLowerCase());
const mailDomain = z
  .string()
  .max(253)
  .regex(
    /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    "a mail domain such as contoso.com (no @, no wildcard)",
  )
  .transform((domain) => domain.toLowerCase());

/** An IANA time zone the runtime knows (`Europe/Amsterdam`); blocked days and notices are read in it. */
const timeZoneSchema = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "an IANA time zone such as Europe/Amsterdam");

/** Operations lore (REFERENCE §7): no Friday upgrades in production. */
const defaultBlockedDays = (environment: string): Weekday[] => (environment === "prod" ? ["fri"] : []);

const maintenanceWindowSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1),
  /** Opening time, UTC, `HH:MM`. */
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM (24-hour, UTC)"),
  duration: durationSchema,
});
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;

const approvalsSchema = z
  .strictObject({
    /** How many distinct approvers must approve (quorum). */
    required: z.number().int().min(1).default(1),
    /** Whether the person who requested the upgrade may count as one of its approvers. */
    selfApproval: z.boolean().default(false),
    reminderAfter: durationSchema.optional(),
    escalateAfter: durationSchema.optional(),
    deadline: durationSchema.default(24 * 3_600_000),
    /**
     * In a fleet wave: `gate` lets the wave's approval gate stand in for this approval (else it is asked as usual),
     * `own` always asks this cluster's approvers, `start` also counts the wave's authorised start as approval when
     * no gate covers the cluster (for dev and test clusters).
     */
    inWave: z.enum(["gate", "own", "start"]).default("gate"),
  })
  .prefault({});

const timingsSchema = z
  .strictObject({
    pollInterval: durationSchema.default(30_000),
    uiTimeout: durationSchema.default(5_000),
    podsReadyDeadline: durationSchema.default(30 * 60_000),
    /** How long a pod may stay Pending before it counts as a problem. */
    pendingPodGrace: durationSchema.default(5 * 60_000),
    dataUpgradeDeadline: durationSchema.default(60 * 60_000),
    queueDrainDeadline: durationSchema.default(30 * 60_000),
    helmTimeout: durationSchema.default(10 * 60_000),
    /**
     * After Helm reports a timeout, how long the pods are still watched before the failure policy applies: the
     * database jobs have run by then, and "it can take an additional 10–15 minutes for all pods to become fully
     * healthy" (upgrade-guide/030-perform-for-the-upgrade.md, "Basic Helm upgrade").
     */
    helmTimeoutGrace: durationSchema.default(15 * 60_000),
    verifyDeadline: durationSchema.default(30 * 60_000),
    /** How long a halted run waits for an operator's decision (retry, finalize, stop, roll back). */
    decisionDeadline: durationSchema.default(24 * 3_600_000),
    /** How long a snapshot set may take to become ready (Azure copies incremental snapshots in the background). */
    snapshotDeadline: durationSchema.default(30 * 60_000),
    /** How long the image pre-pull may take before it is given up (it never runs past the maintenance window's start). */
    prePullDeadline: durationSchema.default(20 * 60_000),
  })
  .prefault({});

const thresholdsSchema = z
  .strictObject({
    queueDepthMax: z.number().int().min(0).default(1000),
    deadLetterGrowthMax: z.number().int().min(0).default(0),
    /** How far back the server log is read for ERR/FTL lines. */
    logWindow: durationSchema.default(15 * 60_000),
  })
  .prefault({});

/** `https://…` (a chart repository) or `oci://…` (a registry path); see chart-source.ts. */
const chartSourceSchema = z.string().transform((text, ctx): ChartSource => {
  const parsed = parseChartSource(text);
  if (parsed.ok) return parsed.source;
  ctx.addIssue({ code: "custom", message: `chart source ${parsed.reason}` });
  return z.NEVER;
});

const clusterProfileSchema = z
  .strictObject({
    name: z.string().regex(DNS_LABEL, "lower-case letters, digits and hyphens"),
    /** dev, test, staging, prod, ...: appears in the values file name. */
    environment: z.string().regex(DNS_LABEL, "lower-case letters, digits and hyphens"),
    /** What fleet strategies select by besides the environment (region, customer). */
    labels: z
      .record(z.string().regex(DNS_LABEL), z.string().regex(DNS_LABEL, "lower-case letters, digits and hyphens"))
      .default({}),
    subscriptionId: z.guid(),
    resourceGroup: z.string().min(1).max(90),
    clusterName: z.string().min(1).max(63),
    namespace: z.string().regex(DNS_LABEL).default("cluedin"),
    release: z.string().regex(DNS_LABEL).default("cluedin-platform"),
    uiUrl: z.url({ protocol: /^https?$/ }),
    armEndpoint: z.url({ protocol: /^https?$/ }).default("https://management.azure.com"),
    helmDriver: z.enum(["run-command", "cli"]).default("run-command"),
    /** Where helm finds the chart: CluedIn's documented repository unless the cluster reads a private mirror. */
    chartSource: chartSourceSchema.prefault(DOCUMENTED_CHART_REPOSITORY),
    approvers: z.array(z.strictObject({ email, name: z.string().min(1).optional() })).min(1),
    escalation: z.array(z.strictObject({ email })).default([]),
    notify: z.strictObject({
      users: z.array(email).default([]),
      operators: z.array(email).min(1),
      /**
       * Domains whose addresses may receive this cluster's e-mails besides the people listed here (a signed-in
       * requester's closing notice). Empty: only listed addresses receive mail.
       */
      allowedDomains: z.array(mailDomain).max(50).default([]),
      /**
       * The business impact the users' notices state (CluedIn.Documentation upgrade-guide/010-plan-the-upgrade.md,
       * "Inform the stakeholders": advance notice of the window, expected downtime and potential business impact).
       */
      businessImpact: z.string().min(1).max(500).optional(),
    }),
    /** The zone blocked days are evaluated in and notices show beside UTC; none: UTC only. */
    timeZone: timeZoneSchema.optional(),
    policies: z
      .strictObject({
        rollback: z.enum(["auto", "ask"]).default("ask"),
        approvals: approvalsSchema,
        maintenanceWindow: maintenanceWindowSchema.optional(),
        /** Days no Helm change may start on (in `timeZone`, else UTC); default `[fri]` for prod, else none. */
        blockedDays: z.array(z.enum(WEEKDAYS)).max(7).optional(),
        /** Volume snapshots before the first Helm change (lib/workflow/snapshots.ts). */
        snapshots: z.enum(SNAPSHOT_MODES).default("data-upgrade-only"),
        /** An existing VolumeSnapshotClass; absent: the run creates cluedin-upgrade-vsc (Azure Disk, Delete). */
        snapshotClass: z.string().regex(DNS_LABEL).optional(),
        /** Snapshot sets kept per cluster; older sets are deleted after a successful run. */
        snapshotRetention: z.number().int().min(1).max(50).default(3),
        /** Claims that may go without a snapshot (by name); any other uncovered claim blocks the run. */
        snapshotWaivers: z.array(z.string().min(1).max(253)).max(100).default([]),
        /** Whether a snapshot stage that fails deletes the snapshots it made. */
        snapshotCleanupOnFailure: z.boolean().default(true),
        /**
         * Pulling the target release's images onto the nodes before the downtime (lib/workflow/prepull.ts):
         * `best-effort` (a failed pre-pull is a warning), `required` (it ends the run, nothing changed) or `off`.
         */
        prePull: z.enum(PRE_PULL_MODES).default("best-effort"),
      })
      .prefault({}),
    timings: timingsSchema,
    thresholds: thresholdsSchema,
  })
  .superRefine((profile, ctx) => {
    const approvers = profile.approvers.map((a) => a.email);
    const duplicate = approvers.find((address, i) => approvers.indexOf(address) !== i);
    if (duplicate) ctx.addIssue({ code: "custom", path: ["approvers"], message: `${duplicate} is listed twice` });
    const { required, escalateAfter, reminderAfter, deadline } = profile.policies.approvals;
    if (required > approvers.length)
      ctx.addIssue({
        code: "custom",
        path: ["policies", "approvals", "required"],
        message: `${required} approvals required but only ${approvers.length} approver(s) listed`,
      });
    if (escalateAfter !== undefined && profile.escalation.length === 0)
      ctx.addIssue({
        code: "custom",
        path: ["policies", "approvals", "escalateAfter"],
        message: "escalateAfter is set but nobody is listed under escalation",
      });
    for (const [key, after] of [
      ["reminderAfter", reminderAfter],
      ["escalateAfter", escalateAfter],
    ] as const)
      if (after !== undefined && after >= deadline)
        ctx.addIssue({
          code: "custom",
          path: ["policies", "approvals", key],
          message: `${key} must come before the approval deadline`,
        });
  })
  .transform((profile) => ({
    ...profile,
    policies: {
      ...profile.policies,
      blockedDays: profile.policies.blockedDays ?? defaultBlockedDays(profile.environment),
    },
  }));

export type ClusterProfile = z.output<typeof clusterProfileSchema>;
export type ClusterTimings = ClusterProfile["timings"];
export type ClusterThresholds = ClusterProfile["thresholds"];
export type ClusterPolicies = ClusterProfile["policies"];

const clusterProfilesSchema = z
  .strictObject({ clusters: z.array(clusterProfileSchema).min(1) })
  .superRefine((file, ctx) => {
    const names = file.clusters.map((c) => c.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: "custom", path: ["clusters", i, "name"], message: `profile ${name} is defined twice` });
    });
  })
  .transform((file) => file.clusters);

export const parseClusterProfiles = (yamlText: string): ConfigResult<ClusterProfile[]> =>
  parseYamlConfig(yamlText, clusterProfilesSchema);

export const findClusterProfile = (profiles: readonly ClusterProfile[], name: string): ClusterProfile | undefined =>
  profiles.find((profile) => profile.name === name);

/** What a plan, an e-mail or a status page may say about a cluster. */
export interface ClusterSummary {
  name: string;
  environment: string;
  clusterName: string;
  namespace: string;
  release: string;
}

export const clusterSummary = (profile: ClusterProfile): ClusterSummary => ({
  name: profile.name,
  environment: profile.environment,
  clusterName: profile.clusterName,
  namespace: profile.namespace,
  release: profile.release,
});

/** The window that contains `at`, or else the next one to open (epoch ms, UTC). */
export function nextMaintenanceWindow(window: MaintenanceWindow, at: number): { opensAt: number; closesAt: number } {
  const [hours, minutes] = window.start.split(":").map(Number);
  const day = new Date(at);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  // Start one week back: a long window opened on an earlier day may still be open now.
  for (let offset = -7; offset <= 7; offset++) {
    const opensAt = midnight + offset * 86_400_000 + (hours ?? 0) * 3_600_000 + (minutes ?? 0) * 60_000;
    const weekday = WEEKDAYS[new Date(opensAt).getUTCDay()];
    const closesAt = opensAt + window.duration;
    if (weekday && window.days.includes(weekday) && closesAt > at) return { opensAt, closesAt };
  }
  throw new Error("unreachable: a weekly window with at least one day opens within a week");
}
