/**
 * Runbook: "Notify about upgrade completion" (and the downtime notice, failures, halts). A mail that finally
 * fails is recorded in the run, never fails the upgrade; a 429 is retried after the time the service asks for.
 * Only addresses the cluster's profile lists or allows (lib/notifications/recipients.ts) are mailed.
 */
import { notificationMessage } from "../lib/notifications/messages.js";
import { splitRecipients } from "../lib/notifications/recipients.js";
import { redactText } from "../lib/redaction/index.js";
import { runUrl } from "../lib/workflow/links.js";
import { sendWithRetry } from "./mailing.js";
import type { WorkflowDeps } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeNotify =
  (deps: Pick<WorkflowDeps, "profile" | "mail" | "publicBaseUrl">): ActivityHandler<typeof ACTIVITIES.notify> =>
  async (args, context) => {
    const profile = deps.profile(args.cluster);
    const { allowed, refused } = profile ? splitRecipients(profile, args.to) : { allowed: [], refused: args.to };
    if (allowed.length === 0)
      return {
        ok: false,
        reason: `no recipient is listed in the profile of ${args.cluster} or in its allowed domains`,
      };
    const message = notificationMessage({
      ctx: {
        cluster: args.cluster,
        environment: args.environment,
        targetRelease: args.targetRelease,
        runId: args.runId,
        runUrl: runUrl(deps.publicBaseUrl(), args.runId),
        ...(args.restoreOf ? { restoreOf: args.restoreOf } : {}),
      },
      to: allowed,
      kind: args.kind,
      subjectDetail: args.subjectDetail,
      lines: args.lines.map((line) => redactText(line)),
    });
    if (refused.length > 0)
      context.warn(`notify ${args.runId}: ${refused.length} address(es) outside the profile's lists were not mailed`);
    return sendWithRetry(deps.mail(), message);
  };
