/**
 * Checks a decision event's signature for the orchestration, which must neither hold the signing key nor do I/O:
 * only events the approval route signed are counted.
 */
import { verifyDecisionSignature } from "../lib/approvals/decision.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeVerifyDecision =
  (deps: Pick<WorkflowDeps, "signingKey">): ActivityHandler<typeof ACTIVITIES.verifyDecision> =>
  ({ runId, kind, event }) => {
    const { signature, ...signed } = event;
    return Promise.resolve(verifyDecisionSignature(deps.signingKey(), { runId, kind, event: signed }, signature));
  };
