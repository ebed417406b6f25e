/**
 * A release page's procedure steps for one phase (before or after the Helm upgrade), started as one command and
 * left running; the orchestration polls it and reads each step's result from its output (lib/workflow/procedure.ts).
 * The steps come from the catalog here, not through orchestration state: a long list stays out of history.
 * At least once: a start that runs twice re-runs the steps, which the pages' deletes (`--ignore-not-found`) and
 * server-side applies tolerate.
 */
import { findRelease } from "../lib/catalog/index.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import { plannedSteps, procedureCommands } from "../lib/workflow/procedure.js";

export const makeStartProcedure =
  (deps: Pick<WorkflowDeps, "cluster" | "catalog">): ActivityHandler<typeof ACTIVITIES.startProcedure> =>
  async ({ cluster, targetRelease, phase }) => {
    const clients = deps.cluster(cluster);
    const release = findRelease(deps.catalog(), targetRelease);
    if (!release) return { ok: false, reason: `${targetRelease} is not in the release catalog` };
    const steps = release.procedure[phase];
    if (steps.length === 0) return { ok: true, steps: [] };
    const { namespace } = clients.target;
    const handle = await clients.runner.start(procedureCommands(steps, namespace), []);
    return { ok: true, handle, steps: plannedSteps(steps, namespace) };
  };
