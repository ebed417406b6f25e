/** One look at a started helm command: still running, or its exit code and the tail of its (redacted) output. */
import type { CommandPoll } from "../lib/clients/types.js";
import type { ClusterClients } from "../lib/services.js";
import { redactText } from "../lib/redaction/index.js";
import type { ServicesFactory } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

/** Logs travel through history: keep the end, where helm prints its verdict. */
const MAX_LOG_CHARS = 4_000;

/** A resumed start has no command to ask: the revision it made tells how the upgrade went. */
async function pollRevision(clients: ClusterClients, revision: number): Promise<CommandPoll> {
  const kube = await clients.kube();
  const found = (await kube.listHelmRevisions(clients.target.releaseName)).find((r) => r.revision === revision);
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

export const makePollCommand =
  (services: ServicesFactory): ActivityHandler<typeof ACTIVITIES.pollCommand> =>
  async ({ cluster, handle }) => {
    const clients = services().cluster(cluster);
    const poll =
      handle.driver === "release" ? await pollRevision(clients, handle.revision) : await clients.runner.poll(handle);
    if (poll.state === "running") return poll;
    return { ...poll, logs: redactText(poll.logs).slice(-MAX_LOG_CHARS) };
  };
