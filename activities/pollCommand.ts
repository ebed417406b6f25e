/**
 * One look at a started helm command: still running, or its exit code and the tail of its output, redacted by the
 * patterns and by the release's own values (Helm's NOTES and errors may echo any of them).
 */
import type { CommandPoll, HelmRevisionWithValues } from "../lib/clients/types.js";
import type { ClusterClients } from "../lib/services.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { releaseTextRedactor } from "./releaseRedaction.js";

/** Logs travel through history: keep the end, where helm prints its verdict. */
const MAX_LOG_CHARS = 4_000;

/** A resumed start has no command to ask: the revision it made tells how the upgrade went. */
function pollRevision(revisions: readonly HelmRevisionWithValues[], revision: number): CommandPoll {
  const found = revisions.find((r) => r.revision === revision);
  if (!found)
    return {
      state: "done",
      exitCode: 1,
      logs: `Error: revision ${revision} disappeared`,
      finishedAt: new Date().toISOString(),
    };
  if (found.status.startsWith("pending-")) return { state: "running" };
  const ok = found.status === "deployed" || found.status === "superseded";
  return {
    state: "done",
    exitCode: ok ? 0 : 1,
    logs: ok
      ? `revision ${revision} ${found.status}`
      : `Error: revision ${revision} ${found.status}: ${found.description}`,
    finishedAt: found.updatedAt,
  };
}

const listRevisions = async (clients: ClusterClients): Promise<HelmRevisionWithValues[]> =>
  (await clients.kube()).listHelmRevisions(clients.target.releaseName);

export const makePollCommand =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.pollCommand> =>
  async ({ cluster, handle }) => {
    const clients = deps.cluster(cluster);
    const revisions = handle.driver === "release" ? await listRevisions(clients) : undefined;
    const poll =
      handle.driver === "release" && revisions
        ? pollRevision(revisions, handle.revision)
        : await clients.runner.poll(handle);
    if (poll.state === "running") return poll;
    // Read after the command ended: the revision it made holds the values its output may echo.
    const redact = await releaseTextRedactor(clients, revisions);
    return { ...poll, logs: redact(poll.logs).slice(-MAX_LOG_CHARS) };
  };
