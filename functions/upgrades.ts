/**
 * The upgrade routes of the DESIGN contract: start (202 + status URLs), read one, list, cancel. A start either
 * begins a whole run or nothing: input, cluster, release and the cluster's lock are all checked first.
 */
import { randomBytes } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import type { ReleaseCatalog } from "../lib/catalog/index.js";
import type { ClusterProfile } from "../lib/config/clusters.js";
import {
  ConflictError,
  ForbiddenError,
  InputError,
  NotFoundError,
  UnauthenticatedError,
  UnknownClusterError,
} from "../lib/errors.js";
import type { Requester, UpgradeInput } from "../lib/workflow/contracts.js";
import { runUrl } from "../lib/workflow/links.js";
import { runPolicyFor } from "../lib/workflow/policy.js";
import {
  CancelRequestSchema,
  ListQuerySchema,
  StartUpgradeRequestSchema,
  type StartUpgradeRequest,
} from "../lib/workflow/requests.js";
import { upgradeResource, type UpgradeResource } from "../lib/workflow/status.js";
import { newRunId, parseRunId } from "../lib/workflow/runId.js";
import { isTerminal, pastPointOfNoReturn } from "../lib/workflow/model.js";
import { CANCEL_EVENT, ORCHESTRATIONS } from "../lib/workflow/orchestrations.js";
import { findStatus } from "./durable.js";
import { lockConflict, lockedBy, pendingUnderLock, startUnderLock } from "./lock.js";
import { clientPrincipal, jsonResponse, parseInput, parseJsonBody, requireOperator, type CallerTrust } from "./http.js";
import { requireRelease, requireRunId, requireUsableValues } from "./inputs.js";

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

/**
 * Who asked. Signed in: the principal, whatever the body says. Otherwise the body's declaration, which is allowed
 * only where the cluster lets a requester approve their own upgrade, or on the local runtime with an e-mail to
 * compare approvers with: where self-approval is forbidden the app must know the requester to refuse it.
 */
export function requesterOf(
  request: HttpRequest,
  declared: StartUpgradeRequest["requestedBy"],
  profile: ClusterProfile,
  trust: CallerTrust,
): Requester {
  const principal = clientPrincipal(request, trust);
  const selfApprovalForbidden = !profile.policies.approvals.selfApproval;
  if (principal) {
    const email = principal.name.includes("@") ? principal.name.toLowerCase() : undefined;
    if (selfApprovalForbidden && !email)
      throw new ForbiddenError(
        `${profile.name} forbids self-approval, and the signed-in name ${principal.name} is not an e-mail address to compare approvers with`,
        { code: "requester-without-address" },
      );
    return { name: principal.name, principalId: principal.id, ...(email ? { email } : {}) };
  }
  if (selfApprovalForbidden && !(trust.local && !trust.platformAuth && declared?.email))
    throw new UnauthenticatedError(
      `${profile.name} forbids self-approval, so the requester must be signed in (App Service authentication)` +
        (trust.local && !trust.platformAuth ? "; on the local runtime, name requestedBy.email instead" : ""),
      { code: "sign-in-required" },
    );
  return {
    name: declared?.name ?? "anonymous",
    ...(declared?.email ? { email: declared.email.toLowerCase() } : {}),
  };
}

/** What starting an upgrade reads; each is read on use, so the configuration in force decides. */
export interface StartUpgradeDeps {
  /** Principals allowed to start (OPERATOR_PRINCIPALS); empty: the function key alone decides. */
  operators(): readonly string[];
  /** What the app may believe about callers (APP_SERVICE_AUTH, App Service or not). */
  trust(): CallerTrust;
  catalog(): ReleaseCatalog;
  profile(name: string): ClusterProfile | undefined;
  publicBaseUrl(): string;
}

export const makeStartUpgrade =
  (deps: StartUpgradeDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const trust = deps.trust();
    requireOperator(request, deps.operators(), trust);
    const body = await parseJsonBody(request, StartUpgradeRequestSchema);
    const profile = deps.profile(body.cluster);
    if (!profile) throw new UnknownClusterError(body.cluster);
    const release = requireRelease(deps.catalog(), body.targetRelease);
    requireUsableValues(body.values);
    const now = new Date();
    if (body.notBefore && new Date(body.notBefore).getTime() - now.getTime() > MAX_NOT_BEFORE_MS)
      throw new InputError("notBefore must be within 30 days");

    const requestedBy = requesterOf(request, body.requestedBy, profile, trust);

    const running = await lockedBy(client, body.cluster);
    if (running) throw lockConflict(body.cluster, running);

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
    await startUnderLock(client, input);
    const uris = links(deps.publicBaseUrl(), runId);
    return jsonResponse(
      202,
      { id: runId, cluster: body.cluster, targetRelease: release.tag, status: "pending", ...uris },
      { location: uris.statusUri },
    );
  };

/** The upgrade's own status; a run whose lock started but whose orchestration is not created yet is `pending`. */
async function readUpgrade(client: DurableClient, id: string): Promise<UpgradeResource | undefined> {
  const status = await findStatus(client, id, { showInput: true });
  // Only the upgrade orchestration is an upgrade: a lock, monitor or restore id must not be read, or cancelled, as one.
  if (status) return status.name === ORCHESTRATIONS.upgrade.name ? upgradeResource(status) : undefined;
  return parseRunId(id)?.restores ? undefined : pendingUnderLock(client, id);
}

/** The upgrade `id`, or a NotFoundError (404 `unknown-upgrade`). */
async function requireUpgrade(client: DurableClient, id: string): Promise<UpgradeResource> {
  const resource = await readUpgrade(client, id);
  if (!resource) throw new NotFoundError(`no upgrade ${id}`, { code: "unknown-upgrade" });
  return resource;
}

export const makeGetUpgrade =
  () =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const id = requireRunId(request.params.id);
    return jsonResponse(200, await requireUpgrade(client, id));
  };

export const makeListUpgrades =
  () =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const query = parseInput(
      ListQuerySchema,
      Object.fromEntries(request.query.entries()),
      "invalid-query",
      "unknown or invalid query parameters",
    );
    const all = await client.getStatusAll();
    const items = all
      .filter((s) => s.name === ORCHESTRATIONS.upgrade.name)
      .map((s) => upgradeResource(s as DurableOrchestrationStatus & { instanceId: string }))
      .filter((r) => (!query.cluster || r.cluster === query.cluster) && (!query.status || r.status === query.status))
      .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))
      .map(({ events: _events, plan: _plan, ...summary }) => summary);
    return jsonResponse(200, { items });
  };

/** What cancelling reads; each is read on use. */
export interface CancelUpgradeDeps {
  /** Principals allowed to cancel (OPERATOR_PRINCIPALS); empty: the function key alone decides. */
  operators(): readonly string[];
  /** What the app may believe about callers (APP_SERVICE_AUTH, App Service or not). */
  trust(): CallerTrust;
  publicBaseUrl(): string;
}

export const makeCancelUpgrade =
  (deps: CancelUpgradeDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const trust = deps.trust();
    requireOperator(request, deps.operators(), trust);
    const id = requireRunId(request.params.id);
    // The body is optional; Content-Length is not a reliable sign of one (chunked bodies, hosts that drop it).
    const hasBody = (await request.clone().text()).trim().length > 0;
    const body = hasBody ? await parseJsonBody(request, CancelRequestSchema) : {};
    const resource = await requireUpgrade(client, id);
    if (isTerminal(resource.status))
      throw new ConflictError(`upgrade ${id} already ended ${resource.status}`, { code: "upgrade-finished" });
    // `by` ends up in the closing e-mail: a name nobody vouches for is quoted as what the caller wrote.
    const principal = clientPrincipal(request, trust);
    const by =
      principal?.name ??
      (body.by ? `an operator who is not signed in and wrote "${body.by}"` : "an operator who is not signed in");
    await client.raiseEvent(id, CANCEL_EVENT, {
      by,
      at: new Date().toISOString(),
      ...(body.reason ? { reason: body.reason } : {}),
    });
    const pastNoReturn = pastPointOfNoReturn(resource.stages);
    return jsonResponse(202, {
      id,
      cancelRequested: true,
      meaning: pastNoReturn
        ? "the Helm upgrade has started: the run stops after the current step and halts; a running helm is never killed"
        : "the run ends before anything on the cluster changes",
      statusUri: links(deps.publicBaseUrl(), id).statusUri,
    });
  };
