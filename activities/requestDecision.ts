/**
 * Asks people for a decision: one signed, expiring link per person, sent by e-mail. The links are made here and
 * never returned, so orchestration history cannot be used to approve; only who was asked is recorded.
 */
import { createApprovalToken } from "../lib/approvals/token.js";
import { decisionRequestMessage } from "../lib/notifications/messages.js";
import { redactText } from "../lib/redaction/index.js";
import { approvalUrl, runUrl } from "../lib/workflow/links.js";
import { sendWithRetry } from "./mailing.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";
import type { DecisionRequestResult } from "../lib/workflow/contracts.js";

export const makeRequestDecision =
  (
    deps: Pick<WorkflowDeps, "signingKey" | "mail" | "publicBaseUrl">,
  ): ActivityHandler<typeof ACTIVITIES.requestDecision> =>
  async (args) => {
    const base = deps.publicBaseUrl();
    const details = [
      `Requested by ${args.summary.requestedBy}.`,
      ...(args.summary.fromRelease
        ? [`From ${args.summary.fromRelease} to ${args.summary.targetRelease} (${args.summary.mode ?? "upgrade"}).`]
        : []),
      args.summary.restoreOf
        ? "The page behind the link shows the snapshot set and the Helm revision the restore goes back to."
        : "The page behind the link shows the plan, the values diff (secrets redacted) and the pre-check evidence.",
      ...(args.summary.commands ?? []),
    ];
    const result: DecisionRequestResult = { sent: [], failed: [] };
    for (const approver of args.approvers) {
      const token = createApprovalToken(deps.signingKey(), {
        runId: args.runId,
        requestId: args.requestId,
        approver,
        kind: args.kind,
        expiresAt: new Date(args.expiresAt),
      });
      const message = decisionRequestMessage({
        ctx: {
          cluster: args.cluster,
          environment: args.summary.environment,
          targetRelease: args.summary.targetRelease,
          runId: args.runId,
          runUrl: runUrl(base, args.runId),
          ...(args.summary.restoreOf ? { restoreOf: args.summary.restoreOf } : {}),
        },
        to: approver,
        question: redactText(args.summary.question),
        details,
        link: approvalUrl(base, token),
        expiresAt: args.expiresAt,
        reminder: args.reminder,
        approval: args.kind === "approval",
      });
      const sent = await sendWithRetry(deps.mail(), message);
      if (sent.ok) result.sent.push(approver);
      else result.failed.push({ recipient: approver, reason: sent.reason });
    }
    return result;
  };
