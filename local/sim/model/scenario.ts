import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { definedOnly } from "../core/defined.js";
import { cloneValues, coalesceValues, isMap, type Values } from "../core/values.js";
import { CHARTS, findChart, findChartByRelease, releaseOf, type ChartVersion } from "./charts.js";
import { partialFaultsSchema, type Faults } from "./faults.js";
import { DEFAULT_QUEUES } from "./queues.js";
import { DEFAULT_TIMINGS, type Timings } from "./timings.js";

/** Placeholder in scenario values replaced by each revision's release tag (`2024.12.02`). */
export const RELEASE_PLACEHOLDER = "{{release}}";

/**
 * Secrets planted in the default values. Nothing the app prints, mails or stores should ever contain one of these:
 * tests of redaction look for them verbatim.
 */
export const PLANTED_SECRETS = {
  orgAdminPassword: "Sim-OrgAdmin-Pa55!",
  ssoClientSecret: "Sim-Sso-ClientSecret-7Qx",
  emailPassword: "Sim-Smtp-Pa55-42",
  sqlDataProtectionPassword: "Sim-Sql-DataProtection-1",
  sqlTrainingPassword: "Sim-Sql-Training-2",
  mssqlSaPassword: "Sim-Mssql-Sa-3",
  rabbitmqPassword: "Sim-Rabbit-Pa55-7",
  rabbitmqErlangCookie: "Sim-Erlang-Cookie-8",
  elasticsearchPassword: "Sim-Elastic-Pa55-9",
  neo4jPassword: "Sim-Neo4j-Pa55-10",
  redisPassword: "Sim-Redis-Pa55-11",
  acrPullPassword: "Sim-Acr-Pull-Pa55-12",
  hubspotToken: "Sim-Hubspot-Token-13",
  // Under keys no name heuristic knows: only structure (the plan shows the app's own changes) and the release's own
  // values (free text is redacted by them) keep these in.
  alertsWebhook: "https://hooks.example/services/T000/B000/SimAlertsHook14",
  envDbPassword: "Sim-Env-Db-Pa55-15",
  envSqlPassword: "Sim-Env-SqlPass-16",
  packageFeedPat: "SimPkgFeedPat17qz",
  existingPullSecretLiteral: "Sim-Literal-In-Existing-18",
  allowedKey: "Sim-Key-List-19",
} as const;

/** User values of the current release: the runbook's example, a customer package and planted secrets. */
export function defaultUserValues(): Values {
  const s = PLANTED_SECRETS;
  return {
    global: {
      // The registry customers pull from (upgrade-guide/050 shows cluedinprod.azurecr.io/cluedin/ui:2024.12.02).
      image: {
        tag: RELEASE_PLACEHOLDER,
        registry: "cluedinprod.azurecr.io",
        existingPullSecret: s.existingPullSecretLiteral,
      },
      alerts: { target: s.alertsWebhook },
      strategy: { type: "Recreate" },
    },
    platform: {
      extraImagePullSecrets: [
        { name: "acr-contoso", registry: "contoso.azurecr.io", username: "contoso-pull", password: s.acrPullPassword },
      ],
    },
    application: {
      cluedin: {
        allowedKeys: [s.allowedKey],
        image: { tag: RELEASE_PLACEHOLDER },
        env: [
          { name: "SQL_PASSWORD", value: s.envSqlPassword },
          {
            name: "DB_CONNECTION",
            value: `Server=tcp:sql.contoso.example,1433;Database=cluedin;User Id=cluedin;Password=${s.envDbPassword}`,
          },
        ],
        components: {
          packages: [
            { name: "CluedIn.Connector.AzureEventHub", version: "4.0.1" },
            { name: "CluedIn.Connector.Dataverse", version: "4.4.0" },
            { name: "CluedIn.Connector.Http", version: "4.0.0" },
            {
              name: "Contoso.Enrichment",
              pat: s.packageFeedPat,
              version: "1.2.0",
              feed: "https://nuget.contoso.example/v3/index.json",
            },
          ],
        },
      },
      bootstrap: {
        organization: { name: "contoso", email: "admin@contoso.com", password: s.orgAdminPassword },
      },
      sso: {
        enabled: true,
        azureClientId: "5c6f2a0e-7d1b-4c3e-9f8a-2b4d6e8f0a1c",
        azureClientSecret: s.ssoClientSecret,
      },
      email: { host: "smtp.contoso.com", port: 587, user: "cluedin@contoso.com", password: s.emailPassword },
      sqlserver: {
        users: {
          DataProtectionUser: { password: s.sqlDataProtectionPassword },
          TrainingUser: { password: s.sqlTrainingPassword },
        },
      },
      gql: { hubspotToken: s.hubspotToken },
    },
    infrastructure: {
      mssql: { sapassword: s.mssqlSaPassword, existingSecret: "cluedin-sqlserver-secret" },
      rabbitmq: { auth: { password: s.rabbitmqPassword, erlangCookie: s.rabbitmqErlangCookie } },
      elasticsearch: { auth: { password: s.elasticsearchPassword } },
      neo4j: { auth: { password: s.neo4jPassword } },
      redis: { auth: { password: s.redisPassword, existingSecret: "cluedin-redis" } },
    },
  };
}

const STATUSES = [
  "deployed",
  "superseded",
  "failed",
  "pending-upgrade",
  "pending-rollback",
  "pending-install",
] as const;

const timingsSchema = z
  .object(
    Object.fromEntries(Object.keys(DEFAULT_TIMINGS).map((key) => [key, z.number().min(0)])) as {
      [K in keyof Timings]: z.ZodNumber;
    },
  )
  .partial()
  .strict();

const chartVersion = z.string().refine((v) => findChart(v) !== undefined, {
  message: `must be a chart version of ${CHARTS.map((c) => c.version).join(", ")}`,
});

export const scenarioSchema = z
  .object({
    name: z.string().default("default"),
    description: z.string().optional(),
    cluster: z
      .object({
        subscriptionId: z.string().regex(/^[0-9a-f-]{36}$/i),
        resourceGroup: z.string().min(1),
        clusterName: z.string().min(1),
        location: z.string().min(1),
        kubernetesVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
        tenantId: z.string().regex(/^[0-9a-f-]{36}$/i),
        privateCluster: z.boolean(),
        runCommandDisabled: z.boolean(),
      })
      .partial()
      .strict()
      .default({}),
    release: z
      .object({
        name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
        namespace: z.string().min(1),
        /** Starting release, as a chart version (`2.4.2`) or app version (`2024.12.02`): two earlier ones precede it. */
        current: z
          .string()
          .refine((v) => findChartByRelease(v) !== undefined, {
            message: "must be a chart or app version of the chart table",
          })
          .optional(),
        /** Explicit revisions, oldest first. The last defaults to deployed, the others to superseded. */
        history: z
          .array(
            z
              .object({
                chart: chartVersion,
                /** The release tag `{{release}}` stands for; by default the newest page naming the chart. */
                release: z.string().optional(),
                status: z.enum(STATUSES).optional(),
                description: z.string().optional(),
                ageDays: z.number().min(0).optional(),
                /** Merged over the scenario's values for this revision only. */
                values: z.record(z.string(), z.unknown()).optional(),
              })
              .strict(),
          )
          .min(1)
          .optional(),
      })
      .partial()
      .strict()
      .default({}),
    /** Merged over the default user values (a null removes a key); `{{appVersion}}` becomes each revision's tag. */
    values: z.record(z.string(), z.unknown()).optional(),
    /** Initial queue depths, merged over the defaults. */
    queues: z.record(z.string(), z.number().int().min(0)).optional(),
    timings: timingsSchema.optional(),
    faults: partialFaultsSchema.optional(),
    /**
     * The monitoring objects as the cluster has them, when they differ from what the deployed chart installed:
     * `crds` is the prometheus-operator version of the monitoring.coreos.com CRDs (`none`: deleted),
     * `nodeExporter` the DaemonSet's selector generation (`absent`: deleted).
     */
    monitoring: z
      .object({
        crds: z
          .string()
          .regex(/^(v?0\.\d+\.\d+|none)$/)
          .optional(),
        nodeExporter: z.enum(["app-release", "app.kubernetes.io", "absent"]).optional(),
      })
      .strict()
      .optional(),
    /** OCI chart references a private registry mirrors (`oci://contoso.azurecr.io/helm/cluedin-platform`). */
    chartMirrors: z.array(z.string().regex(/^oci:\/\/[^/]+\/.+/, "must be oci://<registry>/<path>")).optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;

export interface RevisionPlan {
  revision: number;
  chart: ChartVersion;
  status: (typeof STATUSES)[number];
  description: string;
  ageMs: number;
  values: Values;
}

export interface Scenario {
  name: string;
  description?: string;
  cluster: {
    subscriptionId: string;
    resourceGroup: string;
    clusterName: string;
    location: string;
    kubernetesVersion: string;
    tenantId: string;
    privateCluster: boolean;
    runCommandDisabled: boolean;
  };
  releaseName: string;
  namespace: string;
  revisions: RevisionPlan[];
  queues: Record<string, number>;
  timings: Timings;
  /** The timings the scenario itself sets, over whichever timing set the simulator runs (timings.ts TIMING_SETS). */
  timingOverrides: Partial<Timings>;
  faults: Partial<Faults>;
  chartMirrors: string[];
  monitoring: { crds?: string; nodeExporter?: "app-release" | "app.kubernetes.io" | "absent" };
}

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; reason: string };

export function resolveScenario(input: unknown): ScenarioResult {
  const parsed = scenarioSchema.safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join(".") || "scenario"}: ${i.message}`).join("; "),
    };
  }
  const s = parsed.data;
  const baseValues = coalesceValues(defaultUserValues(), s.values ?? {});
  return {
    ok: true,
    scenario: {
      name: s.name,
      ...(s.description !== undefined ? { description: s.description } : {}),
      cluster: {
        subscriptionId: "8d2f6a4e-1b3c-4e5f-9a7b-0c1d2e3f4a5b",
        resourceGroup: "rg-cluedin-demo",
        clusterName: "aks-cluedin-demo",
        location: "westeurope",
        kubernetesVersion: "1.30.6",
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        privateCluster: false,
        runCommandDisabled: false,
        ...definedOnly(s.cluster),
      },
      releaseName: s.release.name ?? "cluedin-platform",
      namespace: s.release.namespace ?? "cluedin",
      revisions: planRevisions(s.release, baseValues),
      queues: { ...DEFAULT_QUEUES, ...s.queues },
      timings: { ...DEFAULT_TIMINGS, ...(s.timings ? definedOnly(s.timings) : {}) },
      timingOverrides: s.timings ? definedOnly(s.timings) : {},
      faults: s.faults ? definedOnly(s.faults) : {},
      chartMirrors: s.chartMirrors ?? [],
      monitoring: s.monitoring ? definedOnly(s.monitoring) : {},
    },
  };
}

export async function loadScenarioFile(file: string): Promise<ScenarioResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { ok: false, reason: `cannot read scenario ${file}: ${(error as Error).message}` };
  }
  try {
    return resolveScenario(parse(text) ?? {});
  } catch (error) {
    return { ok: false, reason: `scenario ${file} is not valid YAML: ${(error as Error).message}` };
  }
}

type ReleaseInput = z.output<typeof scenarioSchema>["release"];

function planRevisions(release: ReleaseInput, baseValues: Values): RevisionPlan[] {
  const entries = release.history ?? defaultHistory(release.current ?? "2024.12.02");
  const lastStatus = entries[entries.length - 1]?.status ?? "deployed";
  const needsEarlierDeployed = lastStatus !== "deployed";
  let deployedAssigned = false;
  const plans: RevisionPlan[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    const chart = entry ? findChart(entry.chart) : undefined;
    if (!entry || !chart) continue;
    let status = entry.status;
    if (!status) {
      if (i === entries.length - 1) status = "deployed";
      else if (needsEarlierDeployed && !deployedAssigned) status = "deployed";
      else status = "superseded";
    }
    if (status === "deployed") deployedAssigned = true;
    const values = substituteRelease(coalesceValues(baseValues, entry.values ?? {}), entry.release ?? releaseOf(chart));
    plans.unshift({
      revision: i + 1,
      chart,
      status,
      description: entry.description ?? describe(status, i === 0),
      ageMs: (entry.ageDays ?? 14 + (entries.length - 1 - i) * 75) * 86_400_000,
      values,
    });
  }
  return plans;
}

type HistoryEntry = NonNullable<ReleaseInput["history"]>[number];

/** The current release and the two released charts before it (charts no page names are skipped). */
function defaultHistory(current: string): HistoryEntry[] {
  const chart = findChartByRelease(current);
  const released = CHARTS.filter((c) => c.releases.length > 0 || c === chart);
  const index = chart ? released.indexOf(chart) : 2;
  const entries: HistoryEntry[] = released.slice(Math.max(0, index - 2), index + 1).map((c) => ({ chart: c.version }));
  const last = entries.at(-1);
  if (last && chart?.releases.includes(current)) last.release = current;
  return entries;
}

function describe(status: string, first: boolean): string {
  if (status === "failed") return 'Upgrade "cluedin-platform" failed: context deadline exceeded';
  if (status.startsWith("pending")) return "Preparing upgrade";
  return first ? "Install complete" : "Upgrade complete";
}

function substituteRelease(values: Values, release: string): Values {
  const visit = (node: unknown): unknown => {
    if (node === RELEASE_PLACEHOLDER) return release;
    if (Array.isArray(node)) return node.map(visit);
    if (isMap(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    return node;
  };
  return visit(cloneValues(values)) as Values;
}
