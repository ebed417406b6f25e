/**
 * The upgrade routes of the DESIGN contract: start (202 + status URLs), read one, list, cancel. A start either
 * begins a whole run or nothing: input, cluster, release and the cluster's lock are all checked first.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { findRelease } from "../lib/catalog/index.js";
import type { ServicesFactory } from "../lib/services.js";
import type { UpgradeInput } from "../lib/workflow/contracts.js";
import { checkExtraValues } from "../lib/workflow/planning.js";
import { runUrl } from "../lib/workflow/links.js";
import { runPolicyFor } from "../lib/workflow/policy.js";
import {
  CancelRequestSchema,
  ListQuerySchema,
  RunIdSchema,
  StartUpgradeRequestSchema,
} from "../lib/workflow/requests.js";
import { upgradeResource, type UpgradeResource } from "../lib/workflow/status.js";
import { newRunId, parseRunId } from "../lib/workflow/runId.js";
import { isTerminal, pastPointOfNoReturn } from "../lib/workflow/model.js";
import { lockInstanceId } from "../orchestrators/clusterLock.js";
import { CANCEL_EVENT, ORCHESTRATIONS } from "../lib/workflow/orchestrations.js";
import { findStatus, isActive, isConflict } from "./durable.js";
import { clientPrincipal, errorResponse, issuesOf, jsonResponse, operatorRefusal, parseJsonBody } from "./http.js";

const MAX_NOT_BEFORE_MS = 30 * 24 * 3_600_000;

function links(
  base: string,
  id: string,
): { statusUri: string; cancelUri: string; auditUri: string; dashboardUri: string } {
  const root = base.replace(/\/$/, "");
  const enc = encodeURIComponent(id);
  return {
    statusUri: `${root}/api/upgrades/${enc}`,
    cancelUri: `${root}/api/upgrades/${enc}/cancel`,
    auditUri: `${root}/api/upgrades/${enc}/audit`,
    dashboardUri: runUrl(base, id),
  };
}

async function runningUpgradeOf(client: DurableClient, cluster: string): Promise<string | undefined> {
  const lock = await findStatus(client, lockInstanceId(cluster), { showInput: true });
  if (!isActive(lock)) return undefined;
  const input = lock?.input as Partial<UpgradeInput> | undefined;
  return input?.runId ?? "unknown";
}

/** The instance that won a race on the lock may not be readable yet: ask again for a moment. */
async function winnerOfRace(client: DurableClient, cluster: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const running = await runningUpgradeOf(client, cluster);
    if (running && running !== "unknown") return running;
    await sleep(100);
  }
  return "unknown";
}

function conflict(cluster: string, runningId: string): HttpResponseInit {
  return errorResponse(409, "upgrade-running", `an upgrade of ${cluster} is already running: ${runningId}`, {
    runningId,
  });
}

export const makeStartUpgrade =
  (services: ServicesFactory) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const refused = operatorRefusal(request, services().settings.OPERATOR_PRINCIPALS);
    if (refused) return refused;
    const parsed = await parseJsonBody(request, StartUpgradeRequestSchema);
    if (!parsed.ok) return parsed.response;
    const body = parsed.value;
    const app = services();
    const profile = app.profile(body.cluster);
    if (!profile) return errorResponse(404, "unknown-cluster", `no cluster profile named '${body.cluster}'`);
    const release = findRelease(app.catalog, body.targetRelease);
    if (!release)
      return errorResponse(400, "unknown-release", `${body.targetRelease} is not in the release catalog`, {
        known: app.catalog.releases.map((r) => r.tag),
      });
    if (body.values !== undefined) {
      const problems = checkExtraValues(body.values);
      if (problems.length > 0) return errorResponse(400, "invalid-values", "the extra values cannot be used", problems);
    }
    const now = new Date();
    if (body.notBefore && new Date(body.notBefore).getTime() - now.getTime() > MAX_NOT_BEFORE_MS)
      return errorResponse(400, "invalid-request", "notBefore must be within 30 days");

    const principal = clientPrincipal(request);
    const requestedBy: UpgradeInput["requestedBy"] = principal
      ? {
          name: principal.name,
          principalId: principal.id,
          ...(principal.name.includes("@") ? { email: principal.name.toLowerCase() } : {}),
        }
      : {
          name: body.requestedBy?.name ?? "anonymous",
          ...(body.requestedBy?.email ? { email: body.requestedBy.email.toLowerCase() } : {}),
        };

    const running = await runningUpgradeOf(client, body.cluster);
    if (running) return conflict(body.cluster, running);

    const runId = newRunId(body.cluster, now, randomBytes(3).toString("hex"));
    const input: UpgradeInput = {
      runId,
      cluster: body.cluster,
      targetRelease: release.tag,
      requestedBy,
      requestedAt: now.toISOString(),
      ...(body.notBefore ? { notBefore: new Date(body.notBefore).toISOString() } : {}),
      allowChain: body.allowChain ?? false,
      ...(body.values !== undefined ? { extraValues: body.values } : {}),
      policy: runPolicyFor(profile, release.expectedDowntimeMinutes),
    };
    try {
      await client.startNew(ORCHESTRATIONS.clusterLock.name, { instanceId: lockInstanceId(body.cluster), input });
    } catch (error) {
      // Two starts raced past the check above: the lock's instance id lets exactly one through.
      if (isConflict(error)) return conflict(body.cluster, await winnerOfRace(client, body.cluster));
      throw error;
    }
    const uris = links(app.settings.PUBLIC_BASE_URL, runId);
    return jsonResponse(
      202,
      { id: runId, cluster: body.cluster, targetRelease: release.tag, status: "pending", ...uris },
      { location: uris.statusUri },
    );
  };

/** The upgrade's own status; a run whose lock started but whose orchestration is not created yet is `pending`. */
async function readUpgrade(client: DurableClient, id: string): Promise<UpgradeResource | undefined> {
  const status = await findStatus(client, id, { showInput: true });
  // Only the upgrade orchestration is an upgrade: a lock or monitor id must not be read, or cancelled, as one.
  if (status) return status.name === ORCHESTRATIONS.upgrade.name ? upgradeResource(status) : undefined;
  const cluster = parseRunId(id)?.cluster;
  if (!cluster) return undefined;
  const lock = await findStatus(client, lockInstanceId(cluster), { showInput: true });
  const input = lock?.input as UpgradeInput | undefined;
  if (!lock || !isActive(lock) || input?.runId !== id) return undefined;
  return {
    id,
    cluster: input.cluster,
    targetRelease: input.targetRelease,
    status: "pending",
    finished: false,
    stages: [],
    approvals: { decisions: [] },
    events: [],
  };
}

export const makeGetUpgrade =
  () =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const id = RunIdSchema.safeParse(request.params.id);
    if (!id.success) return errorResponse(400, "invalid-id", "not an upgrade id", issuesOf(id.error));
    const resource = await readUpgrade(client, id.data);
    return resource ? jsonResponse(200, resource) : errorResponse(404, "unknown-upgrade", `no upgrade ${id.data}`);
  };

export const makeListUpgrades =
  () =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const query = ListQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
    if (!query.success)
      return errorResponse(400, "invalid-query", "unknown or invalid query parameters", issuesOf(query.error));
    const all = await client.getStatusAll();
    const items = all
      .filter((s) => s.name === ORCHESTRATIONS.upgrade.name)
      .map((s) => upgradeResource(s as DurableOrchestrationStatus & { instanceId: string }))
      .filter(
        (r) =>
          (!query.data.cluster || r.cluster === query.data.cluster) &&
          (!query.data.status || r.status === query.data.status),
      )
      .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))
      .map(({ events: _events, plan: _plan, ...summary }) => summary);
    return jsonResponse(200, { items });
  };

export const makeCancelUpgrade =
  (services: ServicesFactory) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const refused = operatorRefusal(request, services().settings.OPERATOR_PRINCIPALS);
    if (refused) return refused;
    const id = RunIdSchema.safeParse(request.params.id);
    if (!id.success) return errorResponse(400, "invalid-id", "not an upgrade id", issuesOf(id.error));
    // The body is optional; Content-Length is not a reliable sign of one (chunked bodies, hosts that drop it).
    const hasBody = (await request.clone().text()).trim().length > 0;
    const parsed = hasBody ? await parseJsonBody(request, CancelRequestSchema) : { ok: true as const, value: {} };
    if (!parsed.ok) return parsed.response;
    const resource = await readUpgrade(client, id.data);
    if (!resource) return errorResponse(404, "unknown-upgrade", `no upgrade ${id.data}`);
    if (isTerminal(resource.status))
      return errorResponse(409, "upgrade-finished", `upgrade ${id.data} already ended ${resource.status}`);
    const principal = clientPrincipal(request);
    const by = principal?.name ?? parsed.value.by ?? "an operator";
    await client.raiseEvent(id.data, CANCEL_EVENT, {
      by,
      at: new Date().toISOString(),
      ...(parsed.value.reason ? { reason: parsed.value.reason } : {}),
    });
    const pastNoReturn = pastPointOfNoReturn(resource.stages);
    return jsonResponse(202, {
      id: id.data,
      cancelRequested: true,
      meaning: pastNoReturn
        ? "the Helm upgrade has started: the run stops after the current step and halts; a running helm is never killed"
        : "the run ends before anything on the cluster changes",
      statusUri: links(services().settings.PUBLIC_BASE_URL, id.data).statusUri,
    });
  };
