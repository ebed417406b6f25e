/**
 * The e-mails of an upgrade, rendered from templates (Eta, auto-escaped) as HTML and plain text. Subjects name the
 * cluster, the environment and the release; a List-Id header lets teams filter. Input is already redacted.
 */
import { Eta } from "eta";
import type { MailMessage } from "../mail/index.js";
import type { NotificationKind } from "../workflow/activities.js";

const html = new Eta({ autoEscape: true, autoTrim: false });
const text = new Eta({ autoEscape: false, autoTrim: false });

export interface MessageContext {
  cluster: string;
  environment: string;
  targetRelease: string;
  runId: string;
  runUrl: string;
  /** Set for the stand-alone restore of a run's snapshot set: the run it restores (the subjects say so). */
  restoreOf?: string;
}

const LAYOUT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title><%= it.title %></title></head>
<body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1b1b1b;background:#ffffff;line-height:1.5">
<div style="max-width:600px;margin:0 auto">
<h1 style="font-size:20px;margin:0 0 12px"><%= it.title %></h1>
<% it.lines.forEach(function(line){ %><p style="margin:0 0 10px"><%= line %></p>
<% }) %><% if (it.action) { %><p style="margin:20px 0"><a href="<%= it.action.url %>" style="display:inline-block;background:#0b5cad;color:#ffffff;padding:12px 20px;border-radius:4px;text-decoration:none;font-weight:600"><%= it.action.label %></a></p>
<p style="margin:0 0 10px;font-size:13px;color:#444">Or open this address: <%= it.action.url %></p><% } %>
<hr style="border:none;border-top:1px solid #ccc;margin:20px 0">
<p style="font-size:12px;color:#444;margin:0">Cluster <%= it.ctx.cluster %> (<%= it.ctx.environment %>), run <%= it.ctx.runId %>. <a href="<%= it.ctx.runUrl %>" style="color:#0b5cad">Follow the run</a>.</p>
</div></body></html>`;

const TEXT = `<%= it.title %>

<% it.lines.forEach(function(line){ %><%= line %>

<% }) %><% if (it.action) { %><%= it.action.label %>: <%= it.action.url %>

<% } %>--
Cluster <%= it.ctx.cluster %> (<%= it.ctx.environment %>), run <%= it.ctx.runId %>: <%= it.ctx.runUrl %>
`;

interface Rendered {
  title: string;
  lines: string[];
  action?: { label: string; url: string };
  ctx: MessageContext;
}

function headers(ctx: MessageContext): Record<string, string> {
  return {
    "List-Id": `CluedIn upgrades of ${ctx.cluster} <${ctx.cluster}.${ctx.environment}.cluedin-upgrade>`,
    "X-CluedIn-Upgrade-Run": ctx.runId,
  };
}

function message(to: string[], subject: string, content: Rendered): MailMessage {
  return {
    to,
    subject,
    text: text.renderString(TEXT, content),
    html: html.renderString(LAYOUT, content),
    headers: headers(content.ctx),
  };
}

const subjectPrefix = (ctx: MessageContext): string => `[${ctx.environment}] ${ctx.cluster}`;

/** One approver's request: their own signed link, which opens a page; nothing happens until they press a button. */
export function decisionRequestMessage(args: {
  ctx: MessageContext;
  to: string;
  question: string;
  details: string[];
  link: string;
  expiresAt: string;
  reminder: boolean;
  approval: boolean;
}): MailMessage {
  const what = !args.approval
    ? "Decision needed"
    : args.ctx.restoreOf
      ? `Approval needed: restore from the snapshots of ${args.ctx.restoreOf}`
      : `Approval needed: upgrade to ${args.ctx.targetRelease}`;
  return message([args.to], `${args.reminder ? "Reminder: " : ""}${subjectPrefix(args.ctx)}: ${what}`, {
    title: args.question,
    lines: [...args.details, `This link is yours alone and expires at ${args.expiresAt}. Do not forward it.`],
    action: { label: args.approval ? "Review and decide" : "Review and choose", url: args.link },
    ctx: args.ctx,
  });
}

export function notificationMessage(args: {
  ctx: MessageContext;
  to: string[];
  kind: NotificationKind;
  subjectDetail: string;
  lines: string[];
}): MailMessage {
  const titles: Record<NotificationKind, string> = {
    "upgrade-scheduled": `CluedIn upgrade to ${args.ctx.targetRelease} scheduled`,
    "downtime-notice": `CluedIn downtime: upgrade to ${args.ctx.targetRelease} is starting`,
    "downtime-overrun": `CluedIn upgrade to ${args.ctx.targetRelease} is taking longer than expected`,
    completed: `Upgrade to ${args.ctx.targetRelease} completed`,
    failed: `Upgrade to ${args.ctx.targetRelease} failed`,
    halted: `Upgrade to ${args.ctx.targetRelease} halted: action needed`,
    rejected: `Upgrade to ${args.ctx.targetRelease} not approved`,
    restored: `Upgrade to ${args.ctx.targetRelease} failed: restored from the snapshots taken before it`,
  };
  const restoreOf = args.ctx.restoreOf;
  const restoreTitles: Partial<Record<NotificationKind, string>> = restoreOf
    ? {
        restored: `Restored from the snapshots of ${restoreOf} (${args.ctx.targetRelease})`,
        failed: `Restore from the snapshots of ${restoreOf} failed`,
        halted: `Restore from the snapshots of ${restoreOf} halted: action needed`,
        rejected: `Restore from the snapshots of ${restoreOf} not approved: nothing changed`,
      }
    : {};
  const title = restoreTitles[args.kind] ?? titles[args.kind];
  return message(args.to, `${subjectPrefix(args.ctx)}: ${title}`, { title, lines: args.lines, ctx: args.ctx });
}
