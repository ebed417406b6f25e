/**
 * `POST /api/plans`: the dry run a portal calls before it offers the upgrade button. Reads the cluster's release,
 * prepares the values and answers with the redacted plan; nothing on the cluster changes.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { findRelease } from "../lib/catalog/index.js";
import { redactText } from "../lib/redaction/index.js";
import type { ServicesFactory } from "../lib/services.js";
import { checkExtraValues, planUpgrade } from "../lib/workflow/planning.js";
import { PlanRequestSchema } from "../lib/workflow/requests.js";
import { lastDeployed, latestRevision } from "../lib/workflow/release.js";
import { errorResponse, jsonResponse, operatorRefusal, parseJsonBody } from "./http.js";

export const makePlan =
  (services: ServicesFactory) =>
  async (request: HttpRequest): Promise<HttpResponseInit> => {
    const refused = operatorRefusal(request, services().settings.OPERATOR_PRINCIPALS);
    if (refused) return refused;
    const parsed = await parseJsonBody(request, PlanRequestSchema);
    if (!parsed.ok) return parsed.response;
    const body = parsed.value;
    const app = services();
    const profile = app.profile(body.cluster);
    if (!profile) return errorResponse(404, "unknown-cluster", `no cluster profile named '${body.cluster}'`);
    if (!findRelease(app.catalog, body.targetRelease))
      return errorResponse(400, "unknown-release", `${body.targetRelease} is not in the release catalog`, {
        known: app.catalog.releases.map((r) => r.tag),
      });
    if (body.values !== undefined) {
      const problems = checkExtraValues(body.values);
      if (problems.length > 0) return errorResponse(400, "invalid-values", "the extra values cannot be used", problems);
    }
    const clients = app.cluster(body.cluster);
    let revisions;
    try {
      revisions = await (await clients.kube()).listHelmRevisions(clients.target.releaseName);
    } catch (error) {
      const message = error instanceof Error ? redactText(error.message) : "unknown error";
      return errorResponse(502, "cluster-unreachable", `the cluster could not be read: ${message}`);
    }
    const deployed = lastDeployed(revisions);
    const last = latestRevision(revisions);
    if (!deployed || !last)
      return errorResponse(409, "no-deployed-release", `no deployed revision of ${clients.target.releaseName} found`);
    const result = planUpgrade({
      catalog: app.catalog,
      profile,
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
