/**
 * The dashboard's pages as pure functions of what the handlers read: the runs list with its filters and the start
 * form, one run (live progress, stage timeline, approvals, plan, evidence, audit), and the local outbox. Eta
 * escapes every value; `<%~` only places markup this module rendered itself.
 */
import type { AuditRecord } from "../audit/index.js";
import { formatDuration } from "../audit/index.js";
import { stillToDecide } from "../workflow/decisions.js";
import type { StageName } from "../workflow/model.js";
import { RUN_STATUSES } from "../workflow/model.js";
import type { UpgradeResource } from "../workflow/status.js";
import { DASHBOARD_PATH, diffLines, eta } from "./page.js";
import { timelineSvg } from "./timeline.js";

export const runPagePath = (id: string): string => `${DASHBOARD_PATH}/runs/${encodeURIComponent(id)}`;

const BASIC: readonly StageName[] = [
  "read-values",
  "prepare-values",
  "pre-checks",
  "approval",
  "downtime-notice",
  "helm-upgrade",
  "verify",
  "notify",
];
const DATA_UPGRADE: readonly StageName[] = [
  "read-values",
  "prepare-values",
  "pre-checks",
  "approval",
  "downtime-notice",
  "upgrade-mode",
  "data-upgrade",
  "finalize",
  "verify",
  "notify",
];

/** The stages a run is expected to pass through: its mode's, plus any others it took, in the order they ran. */
export function expectedStages(run: Pick<UpgradeResource, "mode" | "stages">): string[] {
  const planned: readonly string[] = run.mode === "data-upgrade" ? DATA_UPGRADE : BASIC;
  return [...new Set([...run.stages.map((s) => s.name as string), ...planned])];
}

/** Stages done out of the stages this run is expected to pass through. */
export function runProgress(run: Pick<UpgradeResource, "mode" | "stages" | "finished">): {
  done: number;
  total: number;
} {
  const expected = expectedStages(run);
  const done = expected.filter((name) => run.stages.some((s) => s.name === name && s.state !== "running")).length;
  return { done: run.finished ? expected.length : done, total: expected.length };
}

export interface RunsPageModel {
  runs: Omit<UpgradeResource, "events" | "plan">[];
  filters: { cluster?: string | undefined; status?: string | undefined };
  clusters: { name: string; environment: string }[];
  releases: string[];
}

const RUNS = `<h1>Upgrade runs</h1>
<section aria-labelledby="runs-heading" class="card">
<h2 id="runs-heading" class="visually-hidden">Runs</h2>
<form method="get" class="row" aria-label="Filter runs">
<div><label for="f-cluster">Filter by cluster</label><select id="f-cluster" name="cluster"><option value="">any</option><% it.clusters.forEach(function(c){ %><option value="<%= c.name %>"<%= c.name === it.filters.cluster ? " selected" : "" %>><%= c.name %> (<%= c.environment %>)</option><% }) %></select></div>
<div><label for="f-status">Filter by status</label><select id="f-status" name="status"><option value="">any</option><% it.statuses.forEach(function(s){ %><option value="<%= s %>"<%= s === it.filters.status ? " selected" : "" %>><%= s %></option><% }) %></select></div>
<div><button type="submit" class="neutral">Filter</button></div>
</form>
<% if (it.runs.length === 0) { %><p class="muted">No run matches.</p><% } else { %>
<table><caption class="visually-hidden">Upgrade runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Cluster</th><th scope="col">Release</th><th scope="col">Status</th><th scope="col">Stage</th><th scope="col">Started</th></tr></thead>
<tbody><% it.runs.forEach(function(r){ %><tr><td><a href="<%= r.href %>"><%= r.id %></a></td><td><%= r.cluster %></td><td><%= r.fromRelease || "?" %> → <%= r.targetRelease %></td><td><span class="status s-<%= r.status %>"><%= r.status %></span></td><td><%= r.stage || "" %></td><td><%= r.createdAt || "" %></td></tr>
<% }) %></tbody></table><% } %>
</section>
<section aria-labelledby="start" class="card">
<h2 id="start" tabindex="-1">Start an upgrade</h2>
<form id="start-form">
<div class="row">
<div><label for="cluster">Cluster</label><select id="cluster" name="cluster" required><% it.clusters.forEach(function(c){ %><option value="<%= c.name %>"><%= c.name %> (<%= c.environment %>)</option><% }) %></select></div>
<div><label for="targetRelease">Target release</label><select id="targetRelease" name="targetRelease" required><% it.releases.forEach(function(r){ %><option value="<%= r %>"><%= r %></option><% }) %></select></div>
</div>
<div class="row">
<div><label for="requester">Requested by (name)</label><input type="text" id="requester" name="requester" autocomplete="name" maxlength="200"></div>
<div><label for="email">E-mail</label><input type="email" id="email" name="email" autocomplete="email" maxlength="320"></div>
</div>
<details><summary>Function key (Azure)</summary><label for="functions-key">Key sent as x-functions-key to the API; kept in this tab only</label><input type="password" id="functions-key" autocomplete="off"></details>
<button type="submit" class="neutral">Show the plan</button>
<button type="button" id="start-button" class="primary" disabled data-runs="<%= it.runsPath %>">Start upgrade</button>
</form>
<p id="start-error" role="alert" class="warn-text"></p>
<div id="plan-result" aria-live="polite"></div>
</section>`;

export function runsPage(model: RunsPageModel): string {
  return eta.renderString(RUNS, {
    ...model,
    statuses: RUN_STATUSES,
    runsPath: `${DASHBOARD_PATH}/runs`,
    runs: model.runs.map((r) => ({ ...r, href: runPagePath(r.id) })),
  });
}

export interface RunPageModel {
  run: UpgradeResource;
  record?: AuditRecord;
  now: Date;
  auditPath: string;
}

const RUN = `<h1>Upgrade <%= it.run.id %></h1>
<p id="live-status" class="visually-hidden" aria-live="polite"></p>
<div id="live" data-run="<%= it.run.id %>" data-status="<%= it.run.status %>" data-updated="<%= it.run.updatedAt || "" %>" data-finished="<%= it.run.finished ? "true" : "false" %>">
<section class="card" aria-labelledby="summary-heading">
<h2 id="summary-heading" class="visually-hidden">Summary</h2>
<dl class="facts">
<dt>Status</dt><dd><span class="status s-<%= it.run.status %>" data-testid="run-status"><%= it.run.status %></span><% if (it.run.reason) { %> <%= it.run.reason %><% } %></dd>
<dt>Cluster</dt><dd><%= it.run.cluster %><% if (it.run.environment) { %> (<%= it.run.environment %>)<% } %></dd>
<dt>Release</dt><dd><%= it.run.fromRelease || "?" %> → <%= it.run.targetRelease %><% if (it.run.mode) { %> · <%= it.run.mode %><% } %></dd>
<% if (it.record) { %><dt>Requested by</dt><dd><%= it.record.requestedBy.name %><% if (it.record.requestedBy.email) { %> (<%= it.record.requestedBy.email %>)<% } %></dd><% } %>
<dt>Current stage</dt><dd><%= it.current || "–" %></dd>
<dt>Elapsed</dt><dd><span<% if (it.run.createdAt) { %> data-since="<%= it.run.createdAt %>"<% if (it.endedAt) { %> data-until="<%= it.endedAt %>"<% } %><% } %>>–</span></dd>
<% if (it.record && it.record.downtime.startedAt) { %><dt>Downtime</dt><dd><%= it.downtime %></dd><% } %>
</dl>
<label for="progress">Progress: <%= it.progress.done %> of <%= it.progress.total %> stages</label>
<progress id="progress" max="<%= it.progress.total %>" value="<%= it.progress.done %>"><%= it.progress.done %>/<%= it.progress.total %></progress>
</section>
<section class="card" aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Stage timeline</h2>
<%~ it.svg %>
<table><caption class="visually-hidden">Stages with their times</caption>
<thead><tr><th scope="col">Stage</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Note</th></tr></thead>
<tbody><% it.stages.forEach(function(s){ %><tr><th scope="row"><%= s.name %></th><td><span class="status s-<%= s.state %>"><%= s.state %></span></td><td><%= s.startedAt %></td><td><% if (s.endedAt) { %><%= s.duration %><% } else { %><span data-since="<%= s.startedAt %>"></span><% } %></td><td><%= s.note || "" %></td></tr>
<% }) %></tbody></table>
</section>
<section class="card" aria-labelledby="approvals-heading">
<h2 id="approvals-heading">Approvals</h2>
<% if (it.pending) { %><p class="notice">Waiting for <strong><%= it.pending.kind %></strong>: <%= it.pending.decided.length %> of <%= it.pending.required %> decision(s); still to decide: <strong><%= it.waiting.join(", ") || "nobody" %></strong>; deadline <%= it.pending.deadline %>.</p><% } %>
<% if (it.run.approvals.decisions.length === 0) { %><p class="muted">No decision recorded yet.</p><% } else { %>
<table><thead><tr><th scope="col">Decision</th><th scope="col">By</th><th scope="col">Choice</th><th scope="col">At</th><th scope="col">Reason</th></tr></thead>
<tbody><% it.run.approvals.decisions.forEach(function(d){ %><tr><td><%= d.kind %></td><td><%= d.approver %></td><td><%= d.choice %></td><td><%= d.decidedAt %></td><td><%= d.reason || "" %></td></tr>
<% }) %></tbody></table><% } %>
</section>
<% if (it.record && it.record.preChecks) { var p = it.record.preChecks; %><section class="card" aria-labelledby="checks-heading">
<h2 id="checks-heading">Pre-check evidence</h2>
<table><tbody>
<tr><th scope="row">UI</th><td><%= p.ui.ok ? "answers" : "not answering" %> (<%= p.ui.elapsedMs %> ms)</td></tr>
<tr><th scope="row">Pods</th><td><%= p.pods.ready %>/<%= p.pods.total %> ready, <%= p.pods.completed %> completed<% p.pods.problems.forEach(function(x){ %>; <%= x.pod %> <%= x.reason %><% }) %></td></tr>
<tr><th scope="row">Server log</th><td><%= p.logs.errorLines.length %> ERR/FTL line(s) in the last <%= p.logs.windowSeconds %> s</td></tr>
<tr><th scope="row">Queues</th><td><% if (p.queues.ok) { %><% (p.queues.depths || []).forEach(function(q){ %><%= q.name %>=<%= q.messages %> <% }) %><% } else { %><%= p.queues.reason %><% } %></td></tr>
</tbody></table></section><% } %>
<% if (it.record && it.record.helm.commands.length) { %><section class="card" aria-labelledby="helm-heading">
<h2 id="helm-heading">Helm</h2>
<p>Revision <%= it.record.helm.revisionBefore === undefined ? "?" : it.record.helm.revisionBefore %> → <%= it.record.helm.revisionAfter === undefined ? "unchanged" : it.record.helm.revisionAfter %></p>
<% it.record.helm.commands.forEach(function(c){ %><p><strong><%= c.kind %><% if (c.phase) { %> (<%= c.phase %>)<% } %></strong> <%= c.at || "" %><% if (c.exitCode !== undefined) { %>, exit code <%= c.exitCode %><% } %></p><pre><%= c.command || c.outcome %></pre><% }) %>
</section><% } %>
<section class="card" aria-labelledby="events-heading">
<h2 id="events-heading">Events</h2>
<ol><% it.run.events.slice().reverse().forEach(function(e){ %><li><span class="muted"><%= e.at %></span> <%= e.message %></li><% }) %></ol>
</section>
<% if (it.plan) { %><section class="card" aria-labelledby="plan-heading">
<h2 id="plan-heading">Plan</h2>
<p><strong>Values file</strong> <%= it.plan.valuesFile %> · chart <%= it.plan.fromChart %> → <%= it.plan.toChart %> · diff sha256 <code><%= it.plan.diffSha256 %></code></p>
<% if (it.plan.warnings.length) { %><ul><% it.plan.warnings.forEach(function(w){ %><li><%= w.message %></li><% }) %></ul><% } %>
<pre aria-label="Values diff (secrets redacted)"><% it.diff.forEach(function(l){ %><span class="<%= l.kind %>"><%= l.text %></span>
<% }) %></pre></section><% } %>
<section class="card" aria-labelledby="audit-heading">
<h2 id="audit-heading">Audit record</h2>
<p>The record of this run, built from its orchestration history and kept in the audit store when it ends:
<a id="audit-json" href="<%= it.auditPath %>">JSON</a> · <a id="audit-md" href="<%= it.auditPath %>?format=md">Markdown</a>.</p>
<% if (it.record) { %><dl class="facts"><dt>Approved by</dt><dd><%= it.approvedBy %></dd><dt>Downtime</dt><dd><%= it.downtime %></dd><dt>How</dt><dd class="muted"><%= it.record.downtime.method %></dd></dl><% } %>
</section>
</div>`;

export function runPage(model: RunPageModel): string {
  const { run, record } = model;
  const pending = run.approvals.pending;
  const downtime = record?.downtime;
  const approvals = run.approvals.decisions.filter((d) => d.kind === "approval" && d.choice === "approve");
  return eta.renderString(RUN, {
    ...model,
    current: run.finished ? undefined : run.stage,
    endedAt: run.finished ? (record?.outcome.endedAt ?? run.updatedAt) : undefined,
    progress: runProgress(run),
    svg: timelineSvg(run.stages, model.now),
    stages: run.stages.map((s) => ({
      ...s,
      duration: s.endedAt ? formatDuration(new Date(s.endedAt).getTime() - new Date(s.startedAt).getTime()) : "",
    })),
    pending,
    waiting: pending ? stillToDecide(pending) : [],
    plan: record?.plan,
    diff: record?.plan ? diffLines(record.plan.diff) : [],
    approvedBy: approvals.length ? approvals.map((d) => `${d.approver} at ${d.decidedAt}`).join(", ") : "nobody (yet)",
    downtime: !downtime
      ? ""
      : !downtime.startedAt
        ? "none: no Helm upgrade ran"
        : `${formatDuration(downtime.durationMs)}${downtime.confirmed ? "" : " so far (the UI is not verified back)"}`,
  });
}

export interface OutboxItem {
  file: string;
  date?: string;
  to: string[];
  subject: string;
}

const OUTBOX = `<h1>Outbox</h1>
<p class="notice">E-mails the app sent, as the local mail driver keeps them in <code><%= it.dir %></code>. This view stands in for the recipients' inboxes: approval links here are live.</p>
<% if (it.mails.length === 0) { %><p class="muted">No e-mail yet.</p><% } else { %>
<table><caption class="visually-hidden">E-mails, newest first</caption>
<thead><tr><th scope="col">Date</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead>
<tbody><% it.mails.forEach(function(m){ %><tr><td><%= m.date || "" %></td><td><%= m.to.join(", ") %></td><td><a href="<%= it.base %>/<%= encodeURIComponent(m.file) %>"><%= m.subject %></a></td></tr>
<% }) %></tbody></table><% } %>`;

export function outboxPage(model: { dir: string; mails: OutboxItem[] }): string {
  return eta.renderString(OUTBOX, { ...model, base: `${DASHBOARD_PATH}/outbox` });
}

const MAIL = `<h1><%= it.subject %></h1>
<p><a href="<%= it.base %>">Back to the outbox</a></p>
<dl class="facts card"><dt>To</dt><dd><%= it.to.join(", ") %></dd><dt>Date</dt><dd><%= it.date || "" %></dd><dt>Run</dt><dd><% if (it.run) { %><a href="<%= it.runHref %>"><%= it.run %></a><% } else { %>–<% } %></dd></dl>
<% if (it.links.length) { %><h2>Links in this e-mail</h2><ul><% it.links.forEach(function(l){ %><li><a href="<%= l %>"><%= l.includes("/api/approvals") ? "Open the decision page" : l %></a></li><% }) %></ul><% } %>
<h2>Text</h2><pre><%= it.text %></pre>`;

/** Addresses in a mail's text that point at this app or anywhere else over http(s). */
export const linksIn = (text: string): string[] => [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];

export function mailPage(mail: OutboxItem & { text: string; run?: string }): string {
  return eta.renderString(MAIL, {
    ...mail,
    base: `${DASHBOARD_PATH}/outbox`,
    runHref: mail.run ? runPagePath(mail.run) : "",
    links: linksIn(mail.text),
  });
}
