/**
 * The wave's activities: raise an event on another instance (a cluster's or stage's end, a forwarded control), read
 * what a cluster's upgrade needs from its profile, check clusters' health for a health gate, mail a stage's news, and
 * keep the wave's audit record.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { findRelease } from "../lib/catalog/index.js";
import { probeUi } from "../lib/clients/ui.js";
import type { FLEET_ACTIVITIES } from "../lib/fleet/contracts.js";
import { waveRecordKey } from "../lib/fleet/records.js";
import { redactText } from "../lib/redaction/index.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ActivityHandler } from "../lib/workflow/activities.js";
import { runPolicyFor } from "../lib/workflow/policy.js";
import { sendWithRetry } from "./mailing.js";

const reasonOf = (error: unknown): string =>
  redactText(error instanceof Error ? error.message : String(error)).slice(0, 300);

export const makeRaiseWaveEvent =
  (): ActivityHandler<typeof FLEET_ACTIVITIES.raiseWaveEvent> =>
  async ({ instanceId, event, data }, context: InvocationContext) => {
    try {
      await df.getClient(context).raiseEvent(instanceId, event, data);
      return { ok: true };
    } catch (error) {
      // An instance that has ended takes no events (HTTP 410): there is nobody left to tell.
      if (/\b410\b|gone|not found|404/i.test(reasonOf(error))) return { ok: false, reason: reasonOf(error) };
      throw error;
    }
  };

export const makePrepareWaveRun =
  (deps: Pick<WorkflowDeps, "profile" | "catalog">): ActivityHandler<typeof FLEET_ACTIVITIES.prepareWaveRun> =>
  ({ cluster, targetRelease }) => {
    const profile = deps.profile(cluster);
    if (!profile) return Promise.resolve({ ok: false, reason: `no cluster profile named ${cluster}` });
    const release = findRelease(deps.catalog(), targetRelease);
    if (!release) return Promise.resolve({ ok: false, reason: `${targetRelease} is not in the release catalog` });
    return Promise.resolve({ ok: true, policy: runPolicyFor(profile, release.expectedDowntimeMinutes) });
  };

/** How many clusters one health check reads at once: enough for a large stage, gentle on the APIs. */
const HEALTH_PARALLEL = 8;

export const makeCheckFleetHealth =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof FLEET_ACTIVITIES.checkFleetHealth> =>
  async ({ clusters }) => {
    const result = { healthy: [] as string[], unhealthy: [] as { cluster: string; reason: string }[] };
    const queue = [...clusters];
    const worker = async (): Promise<void> => {
      for (let cluster = queue.shift(); cluster !== undefined; cluster = queue.shift()) {
        try {
          const clients = deps.cluster(cluster);
          const [pods, ui] = await Promise.all([
            clients.kube().then((kube) => kube.podsSummary()),
            probeUi(clients.target.uiUrl, { budgetMs: clients.profile.timings.uiTimeout }),
          ]);
          if (pods.healthy && ui.ok) result.healthy.push(cluster);
          else
            result.unhealthy.push({
              cluster,
              reason: [
                ...(pods.healthy ? [] : [`${pods.ready}/${pods.total} pods ready`]),
                ...(ui.ok ? [] : ["UI not answering"]),
              ].join(", "),
            });
        } catch (error) {
          result.unhealthy.push({ cluster, reason: reasonOf(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(HEALTH_PARALLEL, clusters.length) }, worker));
    return result;
  };

export const makeNotifyWave =
  (deps: Pick<WorkflowDeps, "mail" | "publicBaseUrl">): ActivityHandler<typeof FLEET_ACTIVITIES.notifyWave> =>
  async ({ waveId, to, subject, lines }) => {
    const link = `${deps.publicBaseUrl().replace(/\/$/, "")}/api/dashboard/waves/${encodeURIComponent(waveId)}`;
    const body = [...lines, "", `Follow the wave: ${link}`];
    const escape = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const sent = await sendWithRetry(deps.mail(), {
      to,
      subject: `[fleet] ${waveId}: ${subject}`,
      text: body.join("\n"),
      html: `<!doctype html><html><body>${body.map((l) => `<p>${escape(l)}</p>`).join("")}</body></html>`,
      headers: { "X-CluedIn-Upgrade-Wave": waveId },
    });
    return sent.ok ? { ok: true } : { ok: false, reason: sent.reason };
  };

export const makeArchiveWave =
  (deps: Pick<WorkflowDeps, "audit">): ActivityHandler<typeof FLEET_ACTIVITIES.archiveWave> =>
  async ({ waveId, record }, context: InvocationContext) => {
    try {
      const kept = await deps.audit().claim(waveRecordKey(waveId), JSON.stringify(record));
      return kept.created ? { ok: true } : { ok: false, reason: "a record of this wave is kept already" };
    } catch (error) {
      context.warn(`audit record of wave ${waveId} not kept: ${reasonOf(error)}`);
      return { ok: false, reason: reasonOf(error) };
    }
  };
