/**
 * Runbook: "Notify about upgrade completion" (and the downtime notice, failures, halts). A mail that finally
 * fails is recorded in the run, never fails the upgrade; a 429 is retried after the time the service asks for.
 */
import { notificationMessage } from "../lib/notifications/messages.js";
import { redactText } from "../lib/redaction/index.js";
import { runUrl } from "../lib/workflow/links.js";
import { sendWithRetry } from "./mailing.js";
import type { ServicesFactory } from "../lib/services.js";
import type { ACTIVITIES, ActivityHandler } from "../lib/workflow/activities.js";

export const makeNotify =
  (services: ServicesFactory): ActivityHandler<typeof ACTIVITIES.notify> =>
  async (args) => {
    const app = services();
    const message = notificationMessage({
      ctx: {
        cluster: args.cluster,
        environment: args.environment,
        targetRelease: args.targetRelease,
        runId: args.runId,
        runUrl: runUrl(app.settings.PUBLIC_BASE_URL, args.runId),
      },
      to: args.to,
      kind: args.kind,
      subjectDetail: args.subjectDetail,
      lines: args.lines.map((line) => redactText(line)),
    });
    return sendWithRetry(app.mail, message);
  };
