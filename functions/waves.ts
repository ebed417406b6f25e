/**
 * The wave routes: start (or dry-run) a strategy, list, read one, and the controls (stop, resume, skip, retry),
 * which arrive at the wave as external events. They authorise like the upgrade routes: a function key in Azure, the
 * operators' allow-list when one is set (requireOperator).
 */
import { randomBytes } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import type { ReleaseCatalog } from "../lib/catalog/index.js";
import type { ClusterProfile } from "../lib/config/clusters.js";
import { ConflictError, InputError, NotFoundError } from "../lib/errors.js";
import type { StrategyConfig } from "../lib/fleet/config.js";
import {
  FLEET_ORCHESTRATIONS,
  WAVE_CONTROL_EVENT,
  WaveInputSchema,
  type WaveControl,
  type WaveInput,
} from "../lib/fleet/contracts.js";
import { newWaveId } from "../lib/fleet/ids.js";
import { resolveStrategy } from "../lib/fleet/plan.js";
import {
  SkipRequestSchema,
  StartWaveRequestSchema,
  WaveControlRequestSchema,
  WaveIdSchema,
} from "../lib/fleet/requests.js";
import { waveResource, type WaveResource } from "../lib/fleet/resource.js";
import { dryRunTimeline } from "../lib/fleet/timeline.js";
import type { WaveView } from "../lib/fleet/view.js";
import type { Requester } from "../lib/workflow/contracts.js";
import { waveRecordKey } from "../lib/fleet/records.js";
import { findStatus } from "./durable.js";
import { clientPrincipal, jsonResponse, parseInput, parseJsonBody, requireOperator, type CallerTrust } from "./http.js";
import { requireRelease } from "./inputs.js";

/** A stopped or failed wave waits this long for resume or retry before it closes. */
const LINGER_MS = 7 * 24 * 3_600_000;

export interface WaveDeps {
  operators(): readonly string[];
  trust(): CallerTrust;
  catalog(): ReleaseCatalog;
  profiles(): readonly ClusterProfile[];
  strategies(): readonly StrategyConfig[];
  publicBaseUrl(): string;
}

const links = (base: string, id: string) => {
  const root = `${base.replace(/\/$/, "")}`;
  return {
    statusUri: `${root}/api/waves/${id}`,
    dashboardUri: `${root}/api/dashboard/waves/${id}`,
  };
};

/** Signed in: the principal; otherwise what the caller declares (quoted as such in the record). */
function requester(
  request: HttpRequest,
  trust: CallerTrust,
  declared?: { name: string; email?: string | undefined },
): Requester {
  const principal = clientPrincipal(request, trust);
  if (principal)
    return {
      name: principal.name,
      principalId: principal.id,
      ...(principal.name.includes("@") ? { email: principal.name.toLowerCase() } : {}),
    };
  return { name: declared?.name ?? "anonymous", ...(declared?.email ? { email: declared.email.toLowerCase() } : {}) };
}

export const makeStartWave =
  (deps: WaveDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const trust = deps.trust();
    requireOperator(request, deps.operators(), trust);
    const body = await parseJsonBody(request, StartWaveRequestSchema);
    const strategy = deps.strategies().find((s) => s.name === body.strategy);
    if (!strategy)
      throw new NotFoundError(`no strategy named '${body.strategy}' in the fleet configuration`, {
        code: "unknown-strategy",
        details: { known: deps.strategies().map((s) => s.name) },
      });
    const release = requireRelease(deps.catalog(), body.targetRelease);
    const resolved = resolveStrategy(strategy, deps.profiles());
    if (!resolved.ok)
      throw new InputError(`strategy ${strategy.name} cannot run against the cluster profiles`, {
        code: "invalid-strategy",
        details: resolved.issues,
      });
    const now = new Date();
    if (body.dryRun) return jsonResponse(200, { dryRun: true, ...dryRunTimeline(resolved.plan, release.tag, now) });
    const id = newWaveId(now, randomBytes(3).toString("hex"));
    const input: WaveInput = {
      waveId: id,
      targetRelease: release.tag,
      requestedBy: requester(request, trust, body.requestedBy),
      requestedAt: now.toISOString(),
      plan: resolved.plan,
      lingerMs: LINGER_MS,
    };
    await client.startNew(FLEET_ORCHESTRATIONS.wave.name, { instanceId: id, input });
    const uris = links(deps.publicBaseUrl(), id);
    return jsonResponse(
      202,
      { id, strategy: strategy.name, targetRelease: release.tag, status: "pending", ...uris },
      { location: uris.statusUri },
    );
  };

/** The wave `id` with the live letters of its running stage, or undefined when there is no such wave. */
export async function readWave(client: DurableClient, id: string): Promise<WaveResource | undefined> {
  const status = await findStatus(client, id, { showInput: true });
  if (status?.name !== FLEET_ORCHESTRATIONS.wave.name) return undefined;
  return resourceOf(client, status, true);
}

async function resourceOf(
  client: DurableClient,
  status: DurableOrchestrationStatus,
  live: boolean,
): Promise<WaveResource | undefined> {
  const input = WaveInputSchema.safeParse(status.input);
  if (!input.success) return undefined;
  const view = status.customStatus as WaveView | undefined;
  const liveCodes = live
    ? await Promise.all(
        (view?.stages ?? []).map(async (stage) => {
          if (!stage.instance || stage.outcome) return undefined;
          const child = await findStatus(client, stage.instance);
          return (child?.customStatus as { codes?: string } | undefined)?.codes;
        }),
      )
    : [];
  return waveResource(
    status.instanceId ?? input.data.waveId,
    input.data,
    view,
    {
      status: String(status.runtimeStatus),
      createdAt: new Date(status.createdTime).toISOString(),
      lastUpdatedAt: new Date(status.lastUpdatedTime).toISOString(),
    },
    liveCodes,
  );
}

const requireWaveId = (value: unknown): string => parseInput(WaveIdSchema, value, "invalid-id", "not a wave id");

async function requireWave(client: DurableClient, id: string): Promise<WaveResource> {
  const wave = await readWave(client, id);
  if (!wave) throw new NotFoundError(`no wave ${id}`, { code: "unknown-wave" });
  return wave;
}

export const makeGetWave =
  () =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> =>
    jsonResponse(200, await requireWave(client, requireWaveId(request.params.id)));

export const makeListWaves =
  () =>
  async (_request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const all = await client.getStatusAll();
    const waves = await Promise.all(
      all.filter((s) => s.name === FLEET_ORCHESTRATIONS.wave.name).map((s) => resourceOf(client, s, false)),
    );
    const items = waves
      .filter((w): w is WaveResource => w !== undefined)
      .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))
      .map(({ stages, events: _events, ...summary }) => ({
        ...summary,
        stages: stages.map((s) => ({ name: s.name, outcome: s.outcome, clusters: s.clusters.length })),
      }));
    return jsonResponse(200, { items });
  };

type Action = WaveControl["action"];

/** Which wave states a control makes sense in; anything else is a 409 that says why. */
function refusal(action: Action, wave: WaveResource): string | undefined {
  if (wave.finished) return `wave ${wave.id} has closed (${wave.status})`;
  switch (action) {
    case "stop":
      return ["stopped", "failed", "completed-with-failures"].includes(wave.status) || wave.stopped
        ? `wave ${wave.id} is ${wave.status}: nothing to stop`
        : undefined;
    case "resume":
      return wave.status === "stopped" || wave.stopped ? undefined : `wave ${wave.id} is ${wave.status}, not stopped`;
    case "retry":
      return wave.status === "failed" || wave.status === "completed-with-failures"
        ? undefined
        : `wave ${wave.id} is ${wave.status}: retry applies to a failed wave or one completed with failures`;
    case "skip":
      return undefined;
  }
}

export const makeControlWave =
  (deps: Pick<WaveDeps, "operators" | "trust" | "publicBaseUrl">, action: Action) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const trust = deps.trust();
    requireOperator(request, deps.operators(), trust);
    const id = requireWaveId(request.params.id);
    const hasBody = (await request.clone().text()).trim().length > 0;
    const skip = action === "skip" ? await parseJsonBody(request, SkipRequestSchema) : undefined;
    const body: { reason?: string | undefined; by?: string | undefined } =
      skip ?? (hasBody ? await parseJsonBody(request, WaveControlRequestSchema) : {});
    const target = skip?.target;
    const wave = await requireWave(client, id);
    const refused = refusal(action, wave);
    if (refused) throw new ConflictError(refused, { code: "wave-state", details: { status: wave.status } });
    if (target) {
      const known =
        target.kind === "cluster"
          ? wave.stages.some((s) => s.clusters.some((c) => c.cluster === target.name))
          : target.kind === "stage"
            ? wave.stages.some((s) => s.name === target.name)
            : wave.stages.some((s) => s.name === target.stage && s.clusters.some((c) => c.group === target.name));
      if (!known)
        throw new NotFoundError(`wave ${id} has no ${target.kind} ${target.name}`, { code: "unknown-target" });
    }
    const principal = clientPrincipal(request, trust);
    const control: WaveControl = {
      action,
      by: principal?.name ?? (body.by ? `an operator who is not signed in and wrote "${body.by}"` : "an operator"),
      at: new Date().toISOString(),
      ...(body.reason ? { reason: body.reason } : {}),
      ...(target ? { target } : {}),
    };
    await client.raiseEvent(id, WAVE_CONTROL_EVENT, control);
    return jsonResponse(202, { id, action, accepted: true, statusUri: links(deps.publicBaseUrl(), id).statusUri });
  };

/** `GET /api/waves/{id}/audit`: the record the wave kept when it closed (lib/fleet/view.ts WaveRecord). */
export const makeGetWaveAudit =
  (deps: { claims(): { readClaim(key: string): Promise<string | undefined> } }) =>
  async (request: HttpRequest): Promise<HttpResponseInit> => {
    const id = requireWaveId(request.params.id);
    const kept = await deps.claims().readClaim(waveRecordKey(id));
    if (kept === undefined)
      throw new NotFoundError(`no audit record of wave ${id}: it is kept when the wave closes`, {
        code: "unknown-wave-record",
      });
    return jsonResponse(200, JSON.parse(kept) as unknown);
  };
