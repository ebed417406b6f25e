/**
 * `POST /api/plans`: the dry run a portal calls before it offers the upgrade button. Reads the cluster's release,
 * prepares the values and answers with the redacted plan; nothing on the cluster changes.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { ReleaseCatalog } from "../lib/catalog/index.js";
import { ConflictError, UpstreamError } from "../lib/errors.js";
import { redactText } from "../lib/redaction/index.js";
import type { ClusterClients } from "../lib/services.js";
import { planUpgrade } from "../lib/workflow/planning.js";
import { PlanRequestSchema } from "../lib/workflow/requests.js";
import { lastDeployed, latestRevision } from "../lib/workflow/release.js";
import { jsonResponse, parseJsonBody, requireOperator, type CallerTrust } from "./http.js";
import { requireRelease, requireUsableValues } from "./inputs.js";

/** What planning reads; each is read on use, so the configuration in force decides. */
export interface PlanDeps {
  /** Principals allowed to plan (OPERATOR_PRINCIPALS); empty: the function key alone decides. */
  operators(): readonly string[];
  /** What the app may believe about callers (APP_SERVICE_AUTH). */
  trust(): CallerTrust;
  catalog(): ReleaseCatalog;
  /** The cluster's profile and clients; throws UnknownClusterError (404 `unknown-cluster`) for an unknown name. */
  cluster(name: string): ClusterClients;
}

export const makePlan =
  (deps: PlanDeps) =>
  async (request: HttpRequest): Promise<HttpResponseInit> => {
    requireOperator(request, deps.operators(), deps.trust());
    const body = await parseJsonBody(request, PlanRequestSchema);
    const clients = deps.cluster(body.cluster);
    const catalog = deps.catalog();
    requireRelease(catalog, body.targetRelease);
    requireUsableValues(body.values);
    let revisions;
    try {
      revisions = await (await clients.kube()).listHelmRevisions(clients.target.releaseName);
    } catch (error) {
      const message = error instanceof Error ? redactText(error.message) : "unknown error";
      throw new UpstreamError(`the cluster could not be read: ${message}`, {
        code: "cluster-unreachable",
        cause: error,
      });
    }
    const deployed = lastDeployed(revisions);
    const last = latestRevision(revisions);
    if (!deployed || !last)
      throw new ConflictError(`no deployed revision of ${clients.target.releaseName} found`, {
        code: "no-deployed-release",
      });
    const result = planUpgrade({
      catalog,
      profile: clients.profile,
      source: deployed,
      targetRelease: body.targetRelease,
      ...(body.values !== undefined ? { extraValues: body.values } : {}),
      ...(last.status.startsWith("pending-") ? { stuck: last } : {}),
    });
    const { valuesYaml: _values, ...current } = deployed;
    return jsonResponse(200, {
      cluster: body.cluster,
      current,
      ok: result.ok,
      plan: result.plan ?? null,
      blockers: result.ok ? result.plan.blockers : result.blockers,
    });
  };
