/**
 * The stand-alone restore of a past run's snapshot set: `POST /api/restores` starts it (202 + status URL) under the
 * cluster's lock, after checking the run's record (ended, with a whole ready set and the revision before it), that
 * the cluster still has every snapshot ready, and that neither this restore nor another run holds the cluster;
 * `GET /api/restores/{id}` reads it in the shape of `GET /api/upgrades/{id}`. Authorised like the start of an upgrade.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import type { AuditRecord } from "../lib/audit/index.js";
import { ConflictError, GoneError, NotFoundError, UpstreamError, type DomainError } from "../lib/errors.js";
import type { ClusterClients } from "../lib/services.js";
import { redactText } from "../lib/redaction/index.js";
import { runUrl } from "../lib/workflow/links.js";
import { ORCHESTRATIONS } from "../lib/workflow/orchestrations.js";
import { runPolicyFor } from "../lib/workflow/policy.js";
import { RestoreIdSchema, StartRestoreRequestSchema } from "../lib/workflow/requests.js";
import {
  missingSnapshots,
  restoreSourceOf,
  type RestoreInput,
  type RestoreRefusal,
  type RestoreSource,
} from "../lib/workflow/restores.js";
import { parseRunId, restoreRunId } from "../lib/workflow/runId.js";
import { upgradeResource, type UpgradeResource } from "../lib/workflow/status.js";
import { auditFromDurable } from "./audit.js";
import { findStatus, isActive } from "./durable.js";
import { jsonResponse, parseInput, parseJsonBody, requireOperator, type CallerTrust } from "./http.js";
import { lockConflict, lockedBy, pendingUnderLock, startUnderLock } from "./lock.js";
import { requesterOf } from "./upgrades.js";

/** A restore as the API shows it: an upgrade run's shape, plus the run whose snapshot set it restores. */
export type RestoreResource = UpgradeResource & { restoreOf: string };

/** What starting a restore reads; each is read on use, so the configuration in force decides. */
export interface StartRestoreDeps {
  /** Principals allowed to start (OPERATOR_PRINCIPALS); empty: the function key alone decides. */
  operators(): readonly string[];
  trust(): CallerTrust;
  /** The cluster's profile and clients; throws UnknownClusterError (404 `unknown-cluster`) for an unknown name. */
  cluster(name: string): ClusterClients;
  publicBaseUrl(): string;
  /** The record the audit sink kept of run `id`, once Durable's history of it is purged. */
  archived(id: string): Promise<AuditRecord | undefined>;
}

function links(base: string, id: string): { statusUri: string; auditUri: string; dashboardUri: string } {
  const root = base.replace(/\/$/, "");
  const enc = encodeURIComponent(id);
  return {
    statusUri: `${root}/api/restores/${enc}`,
    auditUri: `${root}/api/upgrades/${enc}/audit`,
    dashboardUri: runUrl(base, id),
  };
}

/** The status and code of each refusal of a run's record: a state that forbids it now (409) or a set gone (410). */
const REFUSALS: Record<RestoreRefusal, (message: string) => DomainError> = {
  "upgrade-running": (message) => new ConflictError(message, { code: "upgrade-running" }),
  "no-snapshot-set": (message) => new ConflictError(message, { code: "no-snapshot-set" }),
  "snapshot-set-not-ready": (message) => new ConflictError(message, { code: "snapshot-set-not-ready" }),
  "no-revision-before": (message) => new ConflictError(message, { code: "no-revision-before" }),
  "snapshot-set-deleted": (message) => new GoneError(message, { code: "snapshot-set-deleted" }),
};

/** Run `runId`'s record, from Durable while it holds the run, else from the audit sink; only an upgrade's. */
async function upgradeRecord(
  client: DurableClient,
  deps: StartRestoreDeps,
  runId: string,
): Promise<AuditRecord | undefined> {
  const status = await findStatus(client, runId);
  if (status && status.name !== ORCHESTRATIONS.upgrade.name) return undefined;
  return (await auditFromDurable(client, runId)) ?? (await deps.archived(runId));
}

/** 410 `snapshot-set-deleted` unless the cluster still has every snapshot of the set, ready to use. */
async function requireSetOnCluster(clients: ClusterClients, source: RestoreSource): Promise<void> {
  let seen;
  try {
    seen = await (await clients.volumes()).observeSnapshots(source.set.map((s) => s.name));
  } catch (error) {
    const message = error instanceof Error ? redactText(error.message) : "unknown error";
    throw new UpstreamError(`the cluster's snapshots could not be read: ${message}`, {
      code: "cluster-unreachable",
      cause: error,
    });
  }
  const missing = missingSnapshots(source, seen);
  if (missing.length > 0)
    throw new GoneError(
      `the snapshot set of ${source.runId} is no longer on the cluster ready to use (deleted by retention or by hand): ${missing.join(", ")}`,
      { code: "snapshot-set-deleted", details: { missing } },
    );
}

const restoreRunning = (id: string): ConflictError =>
  new ConflictError(`the restore ${id} of this run's snapshot set is already running`, {
    code: "restore-running",
    details: { runningId: id },
  });

/** 409 when this run's restore exists: one restore per run, so its history and audit record are never overwritten. */
async function requireNoRestore(client: DurableClient, id: string): Promise<void> {
  const existing = await findStatus(client, id);
  if (!existing) return;
  if (isActive(existing)) throw restoreRunning(id);
  const ended = upgradeResource(existing).status;
  throw new ConflictError(`this run's snapshot set already had its restore, ${id}, which ended ${ended}`, {
    code: "restore-exists",
    details: { id, status: ended },
  });
}

export const makeStartRestore =
  (deps: StartRestoreDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const trust = deps.trust();
    requireOperator(request, deps.operators(), trust);
    const body = await parseJsonBody(request, StartRestoreRequestSchema);
    const record = await upgradeRecord(client, deps, body.runId);
    if (!record)
      throw new NotFoundError(`no upgrade ${body.runId}, and no audit record of one`, { code: "unknown-upgrade" });
    const checked = restoreSourceOf(record);
    if (!checked.ok) throw REFUSALS[checked.code](checked.message);
    const { source } = checked;
    const clients = deps.cluster(source.cluster);
    const requestedBy = requesterOf(request, body.requestedBy, clients.profile, trust);

    const id = restoreRunId(body.runId);
    await requireNoRestore(client, id);
    const running = await lockedBy(client, source.cluster);
    if (running === id) throw restoreRunning(id);
    if (running) throw lockConflict(source.cluster, running);
    await requireSetOnCluster(clients, source);

    const now = new Date();
    const input: RestoreInput = {
      runId: id,
      cluster: source.cluster,
      targetRelease: source.fromRelease,
      requestedBy,
      requestedAt: now.toISOString(),
      allowChain: false,
      policy: runPolicyFor(clients.profile, record.plan?.expectedDowntimeMinutes ?? 1),
      restore: { reason: body.reason, source },
    };
    await startUnderLock(client, input);
    const uris = links(deps.publicBaseUrl(), id);
    return jsonResponse(
      202,
      {
        id,
        restoreOf: body.runId,
        cluster: source.cluster,
        toRevision: source.toRevision,
        targetRelease: source.fromRelease,
        snapshots: source.set.map((s) => s.name),
        status: "pending",
        ...uris,
      },
      { location: uris.statusUri },
    );
  };

/** The restore `id`; a restore whose lock started but whose orchestration is not created yet is `pending`. */
async function readRestore(client: DurableClient, id: string): Promise<RestoreResource | undefined> {
  const restoreOf = parseRunId(id)?.restores;
  if (!restoreOf) return undefined;
  const status = await findStatus(client, id, { showInput: true });
  const resource = status
    ? status.name === ORCHESTRATIONS.restore.name
      ? upgradeResource(status)
      : undefined
    : await pendingUnderLock(client, id);
  return resource ? { ...resource, restoreOf } : undefined;
}

export const makeGetRestore =
  () =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const id = parseInput(RestoreIdSchema, request.params.id, "invalid-id", "not a restore id");
    const resource = await readRestore(client, id);
    if (!resource) throw new NotFoundError(`no restore ${id}`, { code: "unknown-restore" });
    return jsonResponse(200, resource);
  };
