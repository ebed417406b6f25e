/**
 * Runbook: "Notify about upgrade completion" (and the downtime notice, failures, halts). A mail that finally
 * fails is recorded in the run, never fails the upgrade; a 429 is retried after the time the service asks for.
 */
import { z } from "zod";
import { notificationMessage } from "../lib/notifications/messages.js";
import { redactText } from "../lib/redaction/index.js";
import type { NotifyResult } from "../lib/workflow/contracts.js";
import { runUrl } from "../lib/workflow/links.js";
import { sendWithRetry } from "./mailing.js";
import { ClusterRefSchema, type ServicesFactory } from "./schemas.js";

const InputSchema = ClusterRefSchema.extend({
  runId: z.string().max(200),
  kind: z.string().max(40),
  to: z.array(z.string().max(320)).min(1).max(200),
  subjectDetail: z.string().max(200),
  lines: z.array(z.string().max(4000)).max(20),
  environment: z.string().max(63),
  targetRelease: z.string().max(20),
});

export const makeNotify =
  (services: ServicesFactory) =>
  async (input: unknown): Promise<NotifyResult> => {
    const args = InputSchema.parse(input);
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
