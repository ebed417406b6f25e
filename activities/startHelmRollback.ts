/**
 * Runbook mitigation for a failed basic upgrade, and the recovery of a release stuck in pending-*: `helm rollback`
 * to the last deployed revision, started and left running. A start that runs twice finds its own rollback revision.
 */
import { helmRollbackArgs } from "../lib/clients/helm.js";
import { toShellLine } from "../lib/clients/shell.js";
import { helmTimeout } from "../lib/workflow/helm.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeStartHelmRollback =
  (deps: Pick<WorkflowDeps, "cluster">): ActivityHandler<typeof ACTIVITIES.startHelmRollback> =>
  async (args) => {
    const clients = deps.cluster(args.cluster);
    const kube = await clients.kube();
    const revisions = await kube.listHelmRevisions(clients.target.releaseName);
    if (!revisions.some((r) => r.revision === args.toRevision))
      return { ok: false, reason: `revision ${args.toRevision} does not exist` };
    const command = helmRollbackArgs({
      release: clients.target.releaseName,
      namespace: clients.target.namespace,
      revision: args.toRevision,
      wait: true,
      timeout: helmTimeout(args.helmTimeoutMs),
    });
    const handle = await clients.runner.start([command], []);
    return { ok: true, handle, command: toShellLine([command]), resumed: false };
  };
