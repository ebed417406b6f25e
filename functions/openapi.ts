/**
 * `GET /api/openapi.json`: the public HTTP API as OpenAPI 3.1, generated from the zod schemas the routes validate
 * with (lib/workflow/requests.ts) and the shapes they answer with (below; an end-to-end test checks real answers
 * against them). JSON Schema 2020-12, which OpenAPI 3.1 uses as is.
 */
import {
  SkipRequestSchema,
  StartWaveRequestSchema,
  WaveControlRequestSchema,
  WaveIdSchema,
} from "../lib/fleet/requests.js";
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { AuditRecordSchema } from "../lib/audit/index.js";
import { RUN_STATUSES, STAGES } from "../lib/workflow/model.js";
import {
  CancelRequestSchema,
  ListQuerySchema,
  PlanRequestSchema,
  RestoreIdSchema,
  RunIdSchema,
  StartRestoreRequestSchema,
  StartUpgradeRequestSchema,
} from "../lib/workflow/requests.js";
import { AuditQuerySchema } from "./audit.js";

export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const FindingSchema = z.object({ code: z.string(), severity: z.string(), message: z.string() });
const RevisionSchema = z.object({
  revision: z.number().int(),
  status: z.string(),
  chartVersion: z.string(),
  appVersion: z.string(),
  description: z.string(),
  updatedAt: z.string(),
});

export const PlanSchema = z.object({
  cluster: z.object({ name: z.string(), environment: z.string() }),
  fromRelease: z.string(),
  fromChart: z.string(),
  fromRevision: z.number().int(),
  toRelease: z.string(),
  toChart: z.string(),
  mode: z.enum(["basic", "data-upgrade"]),
  hops: z.array(z.object({ release: z.string(), chartVersion: z.string(), mode: z.string() })),
  valuesFile: z.string(),
  diff: z.string().describe("unified diff of the redacted values; cut to fit when long"),
  diffSha256: z.string(),
  diffTruncated: z.boolean(),
  changes: z.array(
    z.object({
      kind: z.string(),
      path: z.string(),
      from: z.string().optional(),
      to: z.string().optional(),
      reason: z.string(),
    }),
  ),
  warnings: z.array(FindingSchema),
  blockers: z.array(FindingSchema),
  packages: z
    .object({
      updated: z.number().int(),
      unchanged: z.number().int(),
      notListed: z.array(z.string()),
      notInstalled: z.number().int(),
      page: z.string(),
    })
    .optional()
    .describe("CluedIn.* packages against the target release's page; packages are never added"),
  advisories: z
    .array(z.object({ release: z.string(), id: z.string(), text: z.string() }))
    .describe("optional or manual steps of the release pages that apply to these values; never run"),
  expectedDowntimeMinutes: z.number(),
  releaseNotesUrl: z.string(),
  ready: z.boolean(),
});

export const PlanResponseSchema = z.object({
  cluster: z.string(),
  current: RevisionSchema,
  ok: z.boolean(),
  plan: PlanSchema.nullable(),
  blockers: z.array(FindingSchema),
});

export const StartAcceptedSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  targetRelease: z.string(),
  status: z.literal("pending"),
  statusUri: z.string(),
  cancelUri: z.string(),
  auditUri: z.string(),
  dashboardUri: z.string(),
});

const StageSchema = z.object({
  name: z.enum(STAGES),
  state: z.enum(["running", "succeeded", "failed", "skipped"]),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  note: z.string().optional(),
});
const DecisionSchema = z.object({
  requestId: z.string(),
  kind: z.string(),
  approver: z.string(),
  choice: z.string(),
  reason: z.string().optional(),
  decidedAt: z.string(),
  principal: z.string().optional(),
  clientAddress: z.string().optional(),
});

export const UpgradeSummarySchema = z.object({
  id: z.string(),
  cluster: z.string(),
  environment: z.string().optional(),
  fromRelease: z.string().optional(),
  targetRelease: z.string(),
  mode: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  finished: z.boolean().describe("the orchestration has ended (halted may also mean waiting for an operator)"),
  reason: z.string().optional(),
  stage: z.string().optional(),
  stages: z.array(StageSchema),
  approvals: z.object({
    pending: z
      .object({
        requestId: z.string(),
        kind: z.string(),
        choices: z.array(z.string()),
        approvers: z.array(z.string()),
        required: z.number().int(),
        decided: z.array(z.object({ approver: z.string(), choice: z.string(), decidedAt: z.string() })),
        deadline: z.string(),
      })
      .optional(),
    decisions: z.array(DecisionSchema),
  }),
  hops: z.array(z.string()).optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});

export const UpgradeResourceSchema = UpgradeSummarySchema.extend({
  plan: z.union([PlanSchema, z.object({ diffSha256: z.string() }).loose()]).optional(),
  events: z.array(z.object({ at: z.string(), message: z.string() })),
});

export const UpgradeListSchema = z.object({ items: z.array(UpgradeSummarySchema) });

export const CancelAcceptedSchema = z.object({
  id: z.string(),
  cancelRequested: z.literal(true),
  meaning: z.string(),
  statusUri: z.string(),
});

export const RestoreAcceptedSchema = z.object({
  id: z.string().describe("<runId>-restore: one restore per run"),
  restoreOf: z.string(),
  cluster: z.string(),
  toRevision: z.number().int().describe("the Helm revision before the original run"),
  targetRelease: z.string().describe("the release that revision ran"),
  snapshots: z.array(z.string()),
  status: z.literal("pending"),
  statusUri: z.string(),
  auditUri: z.string(),
  dashboardUri: z.string(),
});

export const RestoreResourceSchema = UpgradeResourceSchema.extend({ restoreOf: z.string() });

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output" = "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}

const json = (schema: z.ZodType) => ({ "application/json": { schema: schemaOf(schema) } });
const html = { "text/html": { schema: { type: "string" } } };
const error = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: "query",
    required: false,
    schema: schemaOf(field as z.ZodType, "input"),
  }));
}

const idParameter = { name: "id", in: "path", required: true, schema: schemaOf(RunIdSchema, "input") };
const restoreIdParameter = { name: "id", in: "path", required: true, schema: schemaOf(RestoreIdSchema, "input") };
const waveIdParameter = { name: "id", in: "path", required: true, schema: schemaOf(WaveIdSchema, "input") };
const keyed = [{ functionKey: [] }, { functionKeyQuery: [] }];

/** The document; built once per process, it depends on nothing but the schemas. */
export function openApiDocument(): JsonSchema {
  return {
    openapi: "3.1.0",
    info: {
      title: "cluedin-upgrade",
      version: "1",
      description:
        "Upgrade CluedIn on AKS with Durable Functions. Errors answer {error: {code, message, details}}. Routes marked with a key need a function key in Azure (x-functions-key header or code query parameter); locally none is asked.",
    },
    components: {
      schemas: { Error: schemaOf(ErrorBodySchema), AuditRecord: schemaOf(AuditRecordSchema) },
      securitySchemes: {
        functionKey: { type: "apiKey", in: "header", name: "x-functions-key" },
        functionKeyQuery: { type: "apiKey", in: "query", name: "code" },
      },
    },
    paths: {
      "/api/plans": {
        post: {
          summary: "Plan an upgrade (dry run: nothing changes)",
          security: keyed,
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(PlanRequestSchema, "input") } },
          },
          responses: {
            "200": {
              description: "the plan, with blockers when it cannot go ahead",
              content: json(PlanResponseSchema),
            },
            "400": error("invalid input, unknown release or refused values"),
            "404": error("unknown cluster"),
            "409": error("no deployed release to upgrade from"),
            "502": error("the cluster could not be read"),
          },
        },
      },
      "/api/upgrades": {
        post: {
          summary: "Start an upgrade",
          security: keyed,
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(StartUpgradeRequestSchema, "input") } },
          },
          responses: {
            "202": {
              description: "accepted; Location is the status URL",
              headers: { Location: { schema: { type: "string" } } },
              content: json(StartAcceptedSchema),
            },
            "400": error("invalid input"),
            "401": error(
              "an operator allow-list is configured and the caller is not signed in, or the cluster forbids " +
                "self-approval and the requester is not signed in (sign-in-required)",
            ),
            "403": error(
              "the caller is not on the operator allow-list, or the signed-in name is not an e-mail address where " +
                "self-approval is forbidden (requester-without-address)",
            ),
            "404": error("unknown cluster"),
            "409": error("an upgrade of that cluster is already running (details.runningId)"),
          },
        },
        get: {
          summary: "List upgrades, newest first",
          security: keyed,
          parameters: queryParameters(ListQuerySchema),
          responses: {
            "200": { description: "the runs", content: json(UpgradeListSchema) },
            "400": error("invalid query"),
          },
        },
      },
      "/api/upgrades/{id}": {
        get: {
          summary: "One upgrade: status, stages, approvals, plan, events",
          security: keyed,
          parameters: [idParameter],
          responses: {
            "200": { description: "the run", content: json(UpgradeResourceSchema) },
            "400": error("not an upgrade id"),
            "404": error("unknown upgrade"),
          },
        },
      },
      "/api/restores": {
        post: {
          summary:
            "Restore a past run's snapshot set: under the cluster's lock, once the cluster's approvers approve, the " +
            "claims are recreated from the snapshots and the release rolled back to the revision before that run",
          security: keyed,
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(StartRestoreRequestSchema, "input") } },
          },
          responses: {
            "202": {
              description: "accepted; Location is the status URL",
              headers: { Location: { schema: { type: "string" } } },
              content: json(RestoreAcceptedSchema),
            },
            "400": error("invalid input"),
            "401": error("not signed in where an operator allow-list or the cluster's self-approval rule needs it"),
            "403": error("not on the operator allow-list, or a signed-in name that is not an e-mail address"),
            "404": error("unknown upgrade (unknown-upgrade) or its cluster's profile is gone (unknown-cluster)"),
            "409": error(
              "the run is still going (upgrade-running), took no set (no-snapshot-set), its set was never wholly " +
                "ready (snapshot-set-not-ready), names no revision to roll back to (no-revision-before), its " +
                "restore runs or ran (restore-running, restore-exists), or another run holds the cluster " +
                "(upgrade-running, details.runningId)",
            ),
            "410": error("the set is no longer on the cluster ready to use (snapshot-set-deleted, details.missing)"),
            "502": error("the cluster's snapshots could not be read"),
          },
        },
      },
      "/api/restores/{id}": {
        get: {
          summary: "One restore, in the shape of an upgrade run, with the run whose set it restores",
          security: keyed,
          parameters: [restoreIdParameter],
          responses: {
            "200": { description: "the restore", content: json(RestoreResourceSchema) },
            "400": error("not a restore id"),
            "404": error("unknown restore"),
          },
        },
      },
      "/api/upgrades/{id}/cancel": {
        post: {
          summary:
            "Cancel: before the Helm upgrade the run ends cleanly; after it, it stops after the current step and halts",
          security: keyed,
          parameters: [idParameter],
          requestBody: {
            required: false,
            content: { "application/json": { schema: schemaOf(CancelRequestSchema, "input") } },
          },
          responses: {
            "202": { description: "cancel requested", content: json(CancelAcceptedSchema) },
            "400": error("invalid id or body"),
            "404": error("unknown upgrade"),
            "409": error("the upgrade already ended"),
          },
        },
      },
      "/api/upgrades/{id}/audit": {
        get: {
          summary: "The run's audit record: from history while Durable holds it, else from the audit store",
          security: keyed,
          parameters: [idParameter, ...queryParameters(AuditQuerySchema)],
          responses: {
            "200": {
              description: "the record (format=md: Markdown)",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/AuditRecord" } },
                "text/markdown": { schema: { type: "string" } },
              },
            },
            "400": error("not an upgrade id, or an unknown format"),
            "404": error("no such upgrade and no audit record of one"),
          },
        },
      },
      "/api/approvals": {
        get: {
          summary:
            "The page an e-mailed link (/api/approvals#<token>) opens: its script posts the fragment's token to /api/approvals/view",
          responses: { "200": { description: "the page", content: html } },
        },
        post: {
          summary: "Record a decision (the token in the body, never in the URL)",
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  properties: {
                    token: { type: "string" },
                    decision: { type: "string" },
                    reason: { type: "string", maxLength: 2000 },
                  },
                  required: ["token", "decision"],
                },
              },
            },
          },
          responses: {
            "200": { description: "recorded: this press is the decision that counts", content: html },
            "400": { description: "not a choice of this request", content: html },
            "403": { description: "invalid link or wrong account", content: html },
            "409": {
              description: "already decided (names the choice that counted) or no longer waiting",
              content: html,
            },
            "410": { description: "expired", content: html },
          },
        },
      },
      "/api/approvals/view": {
        post: {
          summary: "The decision page for the token in the body (changes nothing)",
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: { type: "object", properties: { token: { type: "string" } }, required: ["token"] },
              },
            },
          },
          responses: {
            "200": { description: "the page", content: html },
            "403": { description: "invalid link", content: html },
            "404": { description: "unknown run", content: html },
            "409": { description: "already decided or no longer waiting", content: html },
            "410": { description: "expired", content: html },
          },
        },
      },
      "/api/approvals/{token}": {
        get: {
          summary: "A link of the older form: sent on to /api/approvals#<token> (changes nothing)",
          parameters: [{ name: "token", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "303": { description: "to the fragment form of the link" },
            "403": { description: "invalid link", content: html },
            "410": { description: "expired", content: html },
          },
        },
      },
      "/api/dashboard": {
        get: {
          summary: "The dashboard: runs, filters, start form",
          responses: { "200": { description: "page", content: html } },
        },
      },
      "/api/dashboard/runs/{id}": {
        get: {
          summary: "One run, live",
          parameters: [idParameter],
          responses: {
            "200": { description: "page", content: html },
            "404": { description: "no such run (yet)", content: html },
          },
        },
      },
      "/api/dashboard/outbox": {
        get: {
          summary: "Local only: the e-mails the outbox mail driver kept",
          responses: {
            "200": { description: "page", content: html },
            "404": { description: "mail does not go to an outbox", content: html },
          },
        },
      },
      "/api/waves": {
        post: {
          summary: "Start a fleet wave of a strategy of config/fleets.yaml, or print its dry run (dryRun: true)",
          security: keyed,
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(StartWaveRequestSchema, "input") } },
          },
          responses: {
            "200": { description: "the dry run: order, limits, gates, earliest times" },
            "202": { description: "accepted; Location is the wave's status URL" },
            "400": error(
              "invalid input, unknown release, or a strategy the cluster profiles cannot run (invalid-strategy)",
            ),
            "404": error("unknown strategy"),
          },
        },
        get: {
          summary: "List waves, newest first",
          security: keyed,
          responses: { "200": { description: "the waves" } },
        },
      },
      "/api/waves/{id}": {
        get: {
          summary: "One wave: clusters by stage with states and run ids, gates, who must act, events",
          security: keyed,
          parameters: [waveIdParameter],
          responses: {
            "200": { description: "the wave" },
            "400": error("not a wave id"),
            "404": error("unknown wave"),
          },
        },
      },
      ...Object.fromEntries(
        (["stop", "resume", "retry", "skip"] as const).map((action) => [
          `/api/waves/{id}/${action}`,
          {
            post: {
              summary: {
                stop: "Stop: nothing new starts, running upgrades finish",
                resume: "Resume a stopped wave from its first unprocessed cluster",
                retry: "Retry the failed and unstarted clusters of a failed wave (new run ids)",
                skip: "Skip a cluster, group or stage that has not started; the reason is audited",
              }[action],
              security: keyed,
              parameters: [waveIdParameter],
              requestBody: {
                required: action === "skip",
                content: {
                  "application/json": {
                    schema: schemaOf(action === "skip" ? SkipRequestSchema : WaveControlRequestSchema, "input"),
                  },
                },
              },
              responses: {
                "202": { description: "the control was raised on the wave" },
                "400": error("invalid input"),
                "404": error("unknown wave or target"),
                "409": error("the control does not apply in the wave's state (wave-state)"),
              },
            },
          },
        ]),
      ),
      "/api/waves/{id}/audit": {
        get: {
          summary: "The wave's audit record, kept when it closes",
          security: keyed,
          parameters: [waveIdParameter],
          responses: { "200": { description: "the record" }, "404": error("no record (yet)") },
        },
      },
      "/api/openapi.json": {
        get: {
          summary: "This document",
          responses: {
            "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } },
          },
        },
      },
    },
  };
}

let cached: JsonSchema | undefined;

export const makeOpenApi = () => (): Promise<HttpResponseInit> => {
  cached ??= openApiDocument();
  return Promise.resolve({ status: 200, jsonBody: cached, headers: { "cache-control": "public, max-age=300" } });
};
