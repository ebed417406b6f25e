/**
 * The dashboard: server-rendered pages under `/api/dashboard` (the Functions route prefix holds in Azure too, so
 * e-mailed links work in both). Pages only read; starting and cancelling go through the API with its own checks.
 * They are anonymous at the Functions level; on App Service, settings refuse them without App Service
 * authentication (lib/settings.ts DASHBOARD), and with it each page also wants the signed-in principal.
 */
import path from "node:path";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { z } from "zod";
import type { AuditRecord } from "../lib/audit/index.js";
import { readOutbox } from "../lib/mail/index.js";
import type { ReleaseCatalog } from "../lib/catalog/index.js";
import type { ClusterProfile } from "../lib/config/clusters.js";
import { outboxPage, mailPage, runPage, runsPage } from "../lib/web/dashboard.js";
import { RUN_PAGE_SCRIPT, START_SCRIPT } from "../lib/web/dashboard-script.js";
import { eta, htmlResponse } from "../lib/web/page.js";
import { ListQuerySchema, RunIdSchema } from "../lib/workflow/requests.js";
import { upgradeResource, type UpgradeResource } from "../lib/workflow/status.js";
import { ORCHESTRATIONS } from "../lib/workflow/orchestrations.js";
import { auditFromDurable } from "./audit.js";
import { findStatus } from "./durable.js";
import { clientPrincipal, type CallerTrust } from "./http.js";

const OUTBOX_FILE = z.string().regex(/^[0-9A-Za-z]+-\d{6}-[0-9a-f]+\.eml$/);

const notFound = (title: string, message: string, outbox: boolean): HttpResponseInit =>
  htmlResponse(
    404,
    title,
    eta.renderString(`<h1><%= it.title %></h1><p class="notice warn"><%= it.message %></p>`, { title, message }),
    { outbox },
  );

/** What the dashboard pages read; each is read on use, so the configuration in force decides. */
export interface DashboardDeps {
  /** DASHBOARD=on, and what the app may believe about callers. */
  access(): { enabled: boolean; trust: CallerTrust };
  profiles(): readonly Pick<ClusterProfile, "name" | "environment">[];
  catalog(): ReleaseCatalog;
  /** The outbox directory when mail goes to an outbox (locally), undefined when it goes out (Azure). */
  outboxDir(): string | undefined;
  /** The record the audit sink kept of run `id`, once Durable's history of it is purged. */
  archived(id: string): Promise<AuditRecord | undefined>;
}

/** The page to answer instead when the dashboard is off, or sign-in is on and the request carries no principal. */
function refusal(deps: Pick<DashboardDeps, "access">, request: HttpRequest): HttpResponseInit | undefined {
  const { enabled, trust } = deps.access();
  if (!enabled) return notFound("No dashboard", "The dashboard is off in this deployment (DASHBOARD=off).", false);
  if (trust.platformAuth && !clientPrincipal(request, trust))
    return htmlResponse(
      401,
      "Sign in",
      eta.renderString(`<h1>Sign in</h1><p class="notice warn">The dashboard needs a signed-in user.</p>`, {}),
    );
  return undefined;
}

/** An archived run whose history was purged, shown from its audit record. */
function resourceFromRecord(record: AuditRecord): UpgradeResource {
  return {
    id: record.runId,
    cluster: record.cluster,
    environment: record.environment,
    ...(record.fromRelease ? { fromRelease: record.fromRelease } : {}),
    targetRelease: record.toRelease,
    ...(record.mode ? { mode: record.mode } : {}),
    status: record.outcome.status,
    finished: true,
    reason: record.outcome.reason,
    stages: record.stages,
    approvals: { decisions: record.approvals.decisions.map((d) => ({ ...d, kind: d.kind as "approval" })) },
    events: record.events,
    ...(record.outcome.startedAt ? { createdAt: record.outcome.startedAt } : {}),
    ...(record.outcome.endedAt ? { updatedAt: record.outcome.endedAt } : {}),
  };
}

export const makeDashboard =
  (deps: Pick<DashboardDeps, "access" | "profiles" | "catalog" | "outboxDir">) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const refused = refusal(deps, request);
    if (refused) return refused;
    const given = Object.fromEntries([...request.query.entries()].filter(([, value]) => value !== ""));
    const query = ListQuerySchema.safeParse(given);
    const filters = query.success ? query.data : {};
    const releaseTags = deps.catalog().releases.map((r) => r.tag);
    const runs = (await client.getStatusAll())
      .filter((s) => s.name === ORCHESTRATIONS.upgrade.name)
      .map((s) => upgradeResource(s as DurableOrchestrationStatus & { instanceId: string }))
      .filter(
        (r) => (!filters.cluster || r.cluster === filters.cluster) && (!filters.status || r.status === filters.status),
      )
      .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))
      .map(({ events: _events, plan: _plan, ...summary }) => summary);
    const body = runsPage({
      runs,
      filters,
      clusters: deps.profiles().map((p) => ({ name: p.name, environment: p.environment })),
      releases: releaseTags.reverse(),
    });
    return htmlResponse(query.success ? 200 : 400, "Upgrade runs", body, {
      outbox: deps.outboxDir() !== undefined,
      script: START_SCRIPT,
    });
  };

export const makeDashboardRun =
  (deps: Pick<DashboardDeps, "access" | "outboxDir" | "archived">) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const refused = refusal(deps, request);
    if (refused) return refused;
    const outbox = deps.outboxDir() !== undefined;
    const id = RunIdSchema.safeParse(request.params.id);
    if (!id.success) return notFound("Unknown run", "That is not an upgrade id.", outbox);
    const status = await findStatus(client, id.data, { showInput: true });
    const record = status ? await auditFromDurable(client, id.data) : await deps.archived(id.data);
    const run = status ? upgradeResource(status) : record && resourceFromRecord(record);
    if (!run) {
      // A run just started may not exist yet: the page keeps asking the API, which knows pending runs.
      const waiting = eta.renderString(
        `<h1>Upgrade <%= it.id %></h1><div id="live" data-run="<%= it.id %>" data-status="" data-updated="" data-finished="false"><p class="notice">No such run (yet). This page follows it as soon as it exists.</p></div>`,
        { id: id.data },
      );
      return htmlResponse(404, `Upgrade ${id.data}`, waiting, { outbox, script: RUN_PAGE_SCRIPT });
    }
    const body = runPage({
      run,
      ...(record ? { record } : {}),
      now: new Date(),
      auditPath: `/api/upgrades/${encodeURIComponent(id.data)}/audit`,
    });
    return htmlResponse(200, `Upgrade ${id.data}`, body, { outbox, script: RUN_PAGE_SCRIPT });
  };

export const makeDashboardOutbox =
  (deps: Pick<DashboardDeps, "access" | "outboxDir">) =>
  async (request: HttpRequest): Promise<HttpResponseInit> => {
    const refused = refusal(deps, request);
    if (refused) return refused;
    const dir = deps.outboxDir();
    if (dir === undefined)
      return notFound("No outbox", "E-mail goes through Azure Communication Services here; there is no outbox.", false);
    const mails = await readOutbox(dir);
    const file = request.params.file;
    if (file === undefined) {
      const items = mails.reverse().map((m) => ({ file: m.file, date: m.date, to: m.to, subject: m.subject }));
      return htmlResponse(200, "Outbox", outboxPage({ dir: path.resolve(dir), mails: items }), {
        outbox: true,
      });
    }
    const mail = OUTBOX_FILE.safeParse(file).success ? mails.find((m) => m.file === file) : undefined;
    if (!mail) return notFound("No such e-mail", "The outbox holds no such e-mail.", true);
    const run = mail.headers["X-CluedIn-Upgrade-Run"];
    return htmlResponse(
      200,
      mail.subject,
      mailPage({
        file: mail.file,
        date: mail.date,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(run ? { run } : {}),
      }),
      { outbox: true },
    );
  };
