/**
 * The approval link, `/api/approvals#<token>`: the token rides in the fragment, which browsers never send, so it
 * never appears in a request line (request telemetry keeps paths and queries). `GET /api/approvals` is a static page
 * whose script posts the fragment in a form body to `POST /api/approvals/view`, which shows the question, the plan
 * and the evidence and changes nothing; `POST /api/approvals` (token and decision in the body) records the decision,
 * after checking the signature, the expiry, that the run still waits for this very request of this kind, that this
 * approver may decide and has not yet, and the signed-in identity when there is one. Links of the older form
 * (`GET /api/approvals/<token>`) are sent on to the fragment form; no GET ever decides.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { z } from "zod";
import { signDecision } from "../lib/approvals/decision.js";
import { verifyApprovalToken, type ApprovalClaims } from "../lib/approvals/token.js";
import type { AuditSink } from "../lib/audit/index.js";
import { decideCoverage, type VolumeInventory } from "../lib/workflow/snapshots.js";
import { ACTIVITIES } from "../lib/workflow/activities.js";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  GoneError,
  InputError,
  NotFoundError,
  PayloadTooLargeError,
} from "../lib/errors.js";
import { approvalUrl, runUrl } from "../lib/workflow/links.js";
import type {
  PreChecksResult,
  PrepareValuesResult,
  CheckNodesResult,
  ReadReleaseResult,
  UpgradeInput,
} from "../lib/workflow/contracts.js";
import { movedOnText, RestoreInputSchema, revisionsSince, type RestoreInput } from "../lib/workflow/restores.js";
import { lastActivityResult, type HistoryEventView } from "../lib/workflow/history.js";
import {
  approves,
  OVERRIDE_CHOICE,
  type DecisionEvent,
  type PendingDecision,
  type RunView,
} from "../lib/workflow/model.js";
import { startStatus } from "../lib/workflow/schedule.js";
import { DECISION_EVENT } from "../lib/workflow/orchestrations.js";
import { diffLines, eta, htmlResponse } from "../lib/web/page.js";
import { fetchHistory, findStatus } from "./durable.js";
import { clientAddress, clientPrincipal, logUnexpected, type CallerTrust } from "./http.js";

const FormSchema = z.strictObject({
  token: z.string().max(2048),
  decision: z.string().min(1).max(40),
  reason: z.string().max(2000).optional(),
});

const MAX_FORM_BYTES = 16 * 1024;

const UNTRUSTED: CallerTrust = { platformAuth: false, local: false };

/** What the approval routes read; each is read on use, so the configuration in force decides. */
export interface ApprovalDeps {
  /** The key approval links are signed with (APPROVAL_SIGNING_KEY). */
  signingKey(): string;
  /** This app as approvers reach it (PUBLIC_BASE_URL), for the link to the run's page. */
  publicBaseUrl(): string;
  /** What the app may believe about callers; without it, no caller header is believed. */
  trust?(): CallerTrust;
  /** Where each person's decision is claimed once (the audit sink's write-once store). */
  claims(): Pick<AuditSink, "claim" | "readClaim">;
}

interface Checked {
  claims: ApprovalClaims;
  pending: PendingDecision;
  view: RunView;
  input: Partial<UpgradeInput>;
  history?: HistoryEventView[];
}

/** The refusal page's heading for each code the approval routes refuse with. */
const REFUSAL_TITLES: Record<string, string> = {
  "link-expired": "Link expired",
  "invalid-link": "Invalid link",
  "unknown-run": "Unknown run",
  "not-waiting": "No longer waiting",
  "not-an-approver": "Not an approver",
  "already-decided": "Already decided",
  "form-too-large": "Too large",
  "invalid-decision": "Invalid decision",
  "self-approval": "Self-approval",
  "wrong-account": "Wrong account",
};

const notice = (title: string, message: string, after: string): string =>
  eta.renderString(`<h1><%= it.title %></h1><p class="notice warn"><%= it.message %></p><%~ it.after %>`, {
    title,
    message,
    after,
  });

/**
 * The approval routes answer people, in HTML: a DomainError is a refusal page (its status, a heading for its code,
 * its message, and that nothing was changed); anything else is logged and answered 500 without its message.
 */
export function approvalRoute(
  handler: (request: HttpRequest, client: DurableClient) => Promise<HttpResponseInit>,
): (request: HttpRequest, client: DurableClient, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, client, context) => {
    try {
      return await handler(request, client);
    } catch (error) {
      if (error instanceof DomainError) {
        const title = REFUSAL_TITLES[error.code] ?? "Refused";
        return htmlResponse(error.status, title, notice(title, error.message, "<p>Nothing was changed.</p>"));
      }
      logUnexpected(error, context);
      const title = "Something went wrong";
      const message = `The request could not be handled; the app's log has the reason (invocation ${context.invocationId}).`;
      return htmlResponse(500, title, notice(title, message, ""));
    }
  };
}

function linkClaims(deps: ApprovalDeps, token: string): ApprovalClaims {
  const verified = verifyApprovalToken(deps.signingKey(), token, new Date());
  if (!verified.ok)
    throw verified.reason === "expired"
      ? new GoneError(verified.message, { code: "link-expired" })
      : new ForbiddenError(verified.message, { code: "invalid-link" });
  return verified.claims;
}

const alreadyDecided = (choice: string): ConflictError =>
  new ConflictError(`Already decided: ${choice}. Your decision on this request was recorded; a link counts once.`, {
    code: "already-decided",
  });

/** One claim per (run, request, approver): the first press that claims it is the decision that is raised. */
const claimKey = (claims: ApprovalClaims): string =>
  JSON.stringify(["decision", claims.runId, claims.requestId, claims.approver.toLowerCase()]);

const ClaimSchema = z.object({ choice: z.string() });

function claimedChoice(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return ClaimSchema.safeParse(json).data?.choice ?? "unknown";
}

/** The link's claims and the run's state, when the run waits for this very request from this approver. */
async function check(deps: ApprovalDeps, client: DurableClient, token: string, withHistory: boolean): Promise<Checked> {
  const claims = linkClaims(deps, token);
  const status = await findStatus(client, claims.runId, { showInput: true });
  if (!status)
    throw new NotFoundError("The run this link belongs to does not exist (any more).", { code: "unknown-run" });
  const view = status.customStatus as RunView | undefined;
  const pending = view?.pendingDecision;
  if (!view || !pending || pending.requestId !== claims.requestId || String(status.runtimeStatus) !== "Running")
    throw new ConflictError(
      "This run is not waiting for this decision any more: it was decided, timed out, or the run moved on.",
      { code: "not-waiting" },
    );
  if (claims.kind !== pending.kind)
    throw new ForbiddenError(`This link is for a ${claims.kind} decision; the run waits for a ${pending.kind} one.`, {
      code: "invalid-link",
    });
  if (!pending.approvers.includes(claims.approver.toLowerCase()))
    throw new ForbiddenError("This link's approver may not decide on this request.", { code: "not-an-approver" });
  const counted = pending.decided.find((d) => d.approver === claims.approver.toLowerCase());
  if (counted) throw alreadyDecided(counted.choice);
  return {
    claims,
    pending,
    view,
    input: status.input ?? {},
    ...(withHistory ? { history: await fetchHistory(client, claims.runId) } : {}),
  };
}

const PAGE = `<h1><%= it.title %></h1>
<div class="card">
<p><strong>Cluster</strong> <%= it.view.cluster %> (<%= it.view.environment %>) · <strong>from</strong> <%= it.view.fromRelease || "?" %> <strong>to</strong> <%= it.view.targetRelease %><% if (it.view.mode) { %> · <%= it.view.mode %><% } %></p>
<p>You are deciding as <strong><%= it.approver %></strong>. <%= it.pending.decided.length %> of <%= it.pending.required %> required decision(s) recorded; deadline <%= it.pending.deadline %>.</p>
<% if (it.blockedDay) { %><p class="notice<%= it.blockedDay.blocked ? ' warn' : '' %>"><%= it.blockedDay.text %></p><% } %>
<% if (it.downtime) { %><p class="notice">Expected downtime: about <%= it.downtime %> minutes. The CluedIn UI is unavailable during the upgrade.</p><% } %>
</div>
<% if (it.plan) { %><h2>Plan</h2><div class="card">
<p><strong>Values file</strong> <%= it.plan.valuesFile %> · chart <%= it.plan.fromChart %> → <%= it.plan.toChart %> · diff sha256 <code><%= it.plan.diffSha256.slice(0, 16) %></code></p>
<% if (it.plan.warnings.length) { %><ul><% it.plan.warnings.forEach(function(w){ %><li><%= w.message %></li><% }) %></ul><% } %>
<pre aria-label="Values diff (secrets redacted)"><% it.diff.forEach(function(l){ %><span class="<%= l.kind %>"><%= l.text %></span>
<% }) %></pre></div><% } %>
<% if (it.commands) { %><h2>What will run</h2><div class="card">
<p>The chart comes from the <%= it.commands.chartSource %>. <code>&lt;values file&gt;</code> is this run's values file, <code>&lt;run marker&gt;</code> the Helm revision's description naming this run.</p>
<% if (it.commands.beforeHelm.length) { %><h3>Before the Helm upgrade</h3><ol><% it.commands.beforeHelm.forEach(function(s){ %><li><%= s.description %><pre><%= s.command %></pre></li><% }) %></ol><% } %>
<h3>Helm</h3><% it.commands.helm.forEach(function(h){ %><p><%= h.phase %></p><pre aria-label="Helm command (<%= h.phase %>)"><%= h.command %></pre><% }) %>
<% if (it.commands.afterHelm.length) { %><h3>After the Helm upgrade</h3><ol><% it.commands.afterHelm.forEach(function(s){ %><li><%= s.description %><pre><%= s.command %></pre></li><% }) %></ol><% } %>
</div><% } %>
<% if (it.volumes) { %><h2>Volumes snapshotted before the upgrade</h2><div class="card">
<p>CluedIn is stopped, one VolumeSnapshot per claim is taken with class <code><%= it.volumes.className %></code><% if (it.volumes.create) { %> (created by the run)<% } %>, and CluedIn is started again before the first Helm change.</p>
<table><tr><th scope="col">Claim</th><th scope="col">Size</th><th scope="col">Snapshot</th></tr>
<% it.volumes.claims.forEach(function(c){ %><tr><td><%= c.pvc %></td><td><%= c.size || "" %></td><td><%= c.covered ? "yes" : (c.waived ? "waived: " : "no: ") + (c.reason || "") %></td></tr>
<% }) %></table></div><% } %>
<% if (it.nodes) { %><h2>Images and node capacity</h2><div class="card">
<p>The nodes have room for the new pods' requests and for the images. <% if (it.nodes.mode !== "off") { %>Before the downtime the run pulls the target release's images onto every node (<%= it.nodes.mode %>), so the Helm upgrade does not wait for them.<% } %></p>
<p><%= it.nodes.images.join(", ") %></p>
<table><tr><th scope="col">Node</th><th scope="col">Images to pull</th><th scope="col">About</th></tr>
<% it.nodes.nodes.forEach(function(n){ %><tr><td><%= n.name %></td><td><%= n.missing %></td><td><%= (n.bytes / 1e9).toFixed(1) %> GB</td></tr>
<% }) %></table></div><% } %>
<% if (it.restore) { %><h2>Snapshot set to restore</h2><div class="card">
<p>Taken by run <%= it.restore.source.runId %> before its first Helm change. Restoring stops CluedIn, recreates each claim from its snapshot (the current disks are kept, not deleted) and rolls the release back to revision <strong><%= it.restore.source.toRevision %></strong> (<%= it.restore.source.fromRelease %>, chart <%= it.restore.source.fromChart %>). Data written since the snapshots is lost.</p>
<p>Reason given: <%= it.restore.reason %></p>
<% if (it.restore.moved) { %><p class="notice warn"><%= it.restore.moved %></p><% } %>
<table><tr><th scope="col">Snapshot</th><th scope="col">Claim</th><th scope="col">Size</th><th scope="col">Ready at</th></tr>
<% it.restore.source.set.forEach(function(s){ %><tr><td><%= s.name %></td><td><%= s.pvc %></td><td><%= s.restoreSize || "" %></td><td><%= s.readyAt %></td></tr>
<% }) %></table></div><% } %>
<% if (it.checks) { %><h2>Pre-check evidence</h2><div class="card"><table>
<tr><th scope="row">UI</th><td><%= it.checks.ui.ok ? "answers" : "not answering" %> (<%= it.checks.ui.elapsedMs %> ms)</td></tr>
<tr><th scope="row">Pods</th><td><%= it.checks.pods.ready %>/<%= it.checks.pods.total %> ready<% it.checks.pods.problems.forEach(function(p){ %>; <%= p.pod %> <%= p.reason %><% }) %></td></tr>
<tr><th scope="row">Server log</th><td><%= it.checks.logs.errorLines.length %> ERR/FTL line(s) in the last <%= it.checks.logs.windowSeconds %> s</td></tr>
<tr><th scope="row">Queues</th><td><%= it.queues %></td></tr>
</table></div><% } %>
<h2>Your decision</h2>
<form method="post" action="../approvals" class="card">
<input type="hidden" name="token" value="<%= it.token %>">
<label for="reason">Reason (recorded in the run's history)</label>
<textarea id="reason" name="reason" rows="3" maxlength="2000"></textarea>
<% it.pending.choices.forEach(function(choice, i){ %><button type="submit" name="decision" value="<%= choice %>" class="<%= choice === 'reject' || choice === 'stop' || choice === 'leave' ? 'danger' : (i === 0 ? 'primary' : 'neutral') %>"><%= it.labels[choice] || (choice.charAt(0).toUpperCase() + choice.slice(1)) %></button><% }) %>
</form>`;

const CHOICE_LABELS: Record<string, string> = { [OVERRIDE_CHOICE]: "Override blocked day (reason required)" };

/** Whether the start falls on a blocked day, judged now as the run will judge it once approved. */
function blockedDayStatus(
  input: Partial<UpgradeInput>,
  pending: PendingDecision,
): { blocked: boolean; text: string } | undefined {
  const policy = input.policy;
  if (pending.kind !== "approval" || !policy?.blockedDays) return undefined;
  return startStatus(
    { blockedDays: policy.blockedDays, timeZone: policy.timeZone, maintenanceWindow: policy.maintenanceWindow },
    { now: Date.now(), notBefore: input.notBefore ? new Date(input.notBefore).getTime() : undefined },
  );
}

/** A restore's set and revision (its input), and what the release did since that run (the restore's read of it). */
function restoreShown(checked: Checked): (RestoreInput["restore"] & { moved: string }) | undefined {
  const restore = RestoreInputSchema.safeParse(checked.input).data?.restore;
  if (!restore) return undefined;
  const release = lastActivityResult<ReadReleaseResult>(checked.history, ACTIVITIES.readCurrentRelease.name);
  const newer = release?.ok ? revisionsSince(restore.source, release.history) : [];
  return { ...restore, moved: movedOnText(restore.source, newer) };
}

/** Queue depths are read by a sub-orchestration, not the pre-checks activity: the stage's outcome speaks for them. */
function queuesEvidence(view: RunView): string {
  const stage = view.stages.findLast((s) => s.name === "pre-checks");
  if (stage?.state === "succeeded") return "drained below the profile's threshold";
  return stage?.note ?? "not checked yet";
}

/** The form body (at most MAX_FORM_BYTES) and the token in it. */
async function readForm(request: HttpRequest): Promise<{ fields: URLSearchParams; token: string }> {
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_FORM_BYTES)
    throw new PayloadTooLargeError("The form is too large.", { code: "form-too-large" });
  const fields = new URLSearchParams(text);
  return { fields, token: fields.getAll("token").at(-1) ?? "" };
}

const SHELL = `<h1>Opening your decision page</h1>
<p id="opening" class="notice">Opening the page your e-mailed link points to…</p>
<form id="open" method="post" action="approvals/view" class="card">
<label for="token">The code after <code>#</code> in your e-mailed link</label>
<input id="token" name="token" autocomplete="off" required>
<button type="submit" class="primary">Open</button>
</form>`;

// Reads the token from the fragment, removes it from the address bar and history, and posts it in a form body.
const SHELL_SCRIPT = `(function () {
  var token = location.hash.slice(1);
  history.replaceState(null, "", location.pathname);
  if (!token) { document.getElementById("opening").textContent = "This page opens from the link in your e-mail."; return; }
  var form = document.getElementById("open");
  form.elements.token.value = decodeURIComponent(token);
  form.submit();
})();`;

/** `GET /api/approvals`: the same static page for everyone; the token never reaches the server in a URL. */
export const makeApprovalShell = () => (): Promise<HttpResponseInit> =>
  Promise.resolve(htmlResponse(200, "Decision", SHELL, { script: SHELL_SCRIPT }));

/** `GET /api/approvals/<token>` (links mailed before the fragment form): sent on to the fragment form, never decides. */
export const makeApprovalLegacyLink =
  (deps: ApprovalDeps) =>
  (request: HttpRequest): Promise<HttpResponseInit> => {
    const token = request.params.token ?? "";
    linkClaims(deps, token);
    return Promise.resolve({
      status: 303,
      headers: { location: approvalUrl(deps.publicBaseUrl(), token), "cache-control": "no-store" },
    });
  };

/** `POST /api/approvals/view` with the token in the body: the question, the plan and the evidence. */
export const makeApprovalPage =
  (deps: ApprovalDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const { token } = await readForm(request);
    const checked = await check(deps, client, token, true);
    const prepared = lastActivityResult<PrepareValuesResult>(checked.history, ACTIVITIES.prepareValues.name);
    const plan = prepared?.plan;
    const checks = lastActivityResult<PreChecksResult>(checked.history, ACTIVITIES.runPreChecks.name);
    const inventory = lastActivityResult<VolumeInventory>(checked.history, ACTIVITIES.inventoryVolumes.name);
    const snapshotPolicy = checked.input.policy?.snapshots;
    const volumes = inventory && snapshotPolicy ? decideCoverage(inventory, snapshotPolicy) : undefined;
    const nodeCheck = lastActivityResult<CheckNodesResult>(checked.history, ACTIVITIES.checkNodes.name);
    const nodes = nodeCheck ? { ...nodeCheck, mode: checked.input.policy?.prePull?.mode ?? "off" } : undefined;
    const restore = restoreShown(checked);
    const question =
      checked.pending.kind !== "approval"
        ? "A decision is needed"
        : restore
          ? `Approve the restore of ${checked.view.cluster} from the snapshots of ${restore.source.runId}?`
          : `Approve the upgrade of ${checked.view.cluster}?`;
    return htmlResponse(
      200,
      question,
      eta.renderString(PAGE, {
        title: question,
        view: checked.view,
        pending: checked.pending,
        approver: checked.claims.approver,
        token,
        plan,
        diff: plan ? diffLines(plan.diff) : [],
        commands: plan?.commands,
        downtime: plan?.expectedDowntimeMinutes,
        checks,
        volumes,
        nodes,
        queues: queuesEvidence(checked.view),
        blockedDay: blockedDayStatus(checked.input, checked.pending),
        restore,
        labels: CHOICE_LABELS,
      }),
    );
  };

/** The orchestration refuses it too; refusing here tells the person instead of answering "recorded". */
function isSelfApproval(checked: Checked, decision: string): boolean {
  const requester = checked.input.requestedBy?.email?.toLowerCase();
  return (
    checked.pending.kind === "approval" &&
    approves(decision) &&
    checked.input.policy?.selfApproval === false &&
    requester === checked.claims.approver.toLowerCase()
  );
}

export const makeApprovalDecision =
  (deps: ApprovalDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const { fields, token } = await readForm(request);
    const kept = await deps.claims().readClaim(claimKey(linkClaims(deps, token)));
    if (kept !== undefined) throw alreadyDecided(claimedChoice(kept));
    const checked = await check(deps, client, token, false);
    const form = FormSchema.safeParse(Object.fromEntries(fields));
    if (!form.success || !checked.pending.choices.includes(form.data.decision))
      throw new InputError(`Choose one of: ${checked.pending.choices.join(", ")}.`, { code: "invalid-decision" });
    if (form.data.decision === OVERRIDE_CHOICE && !form.data.reason?.trim())
      throw new InputError("Overriding the blocked day needs a reason: it is recorded in the audit record.", {
        code: "invalid-decision",
      });
    if (isSelfApproval(checked, form.data.decision))
      throw new ForbiddenError(
        "You requested this upgrade, so your approval cannot count: another approver must approve it.",
        { code: "self-approval" },
      );
    const trust = deps.trust?.() ?? UNTRUSTED;
    const principal = clientPrincipal(request, trust);
    if (principal && principal.name.toLowerCase() !== checked.claims.approver.toLowerCase())
      throw new ForbiddenError(
        `You are signed in as ${principal.name}; this link belongs to ${checked.claims.approver}.`,
        { code: "wrong-account" },
      );
    const address = clientAddress(request, trust);
    const decided: DecisionEvent = {
      requestId: checked.claims.requestId,
      approver: checked.claims.approver.toLowerCase(),
      choice: form.data.decision,
      decidedAt: new Date().toISOString(),
      ...(form.data.reason?.trim() ? { reason: form.data.reason.trim() } : {}),
      ...(principal ? { principal: `${principal.provider}:${principal.name}` } : {}),
      ...(address ? { clientAddress: address } : {}),
    };
    const event: DecisionEvent = {
      ...decided,
      signature: signDecision(deps.signingKey(), {
        runId: checked.claims.runId,
        kind: checked.pending.kind,
        event: decided,
      }),
    };
    const claim = await deps.claims().claim(claimKey(checked.claims), JSON.stringify(decided));
    if (!claim.created) throw alreadyDecided(claimedChoice(claim.body));
    await client.raiseEvent(checked.claims.runId, DECISION_EVENT, event);
    return htmlResponse(
      200,
      "Decision recorded",
      eta.renderString(
        `<h1>Decision recorded</h1><p class="notice">You chose <strong><%= it.choice %></strong> for the upgrade of <%= it.cluster %> to <%= it.target %>. It is recorded in the run's history with your name and the time.</p><p><a href="<%= it.runLink %>">Follow the run</a></p>`,
        {
          choice: event.choice,
          cluster: checked.view.cluster,
          target: checked.view.targetRelease,
          runLink: runUrl(deps.publicBaseUrl(), checked.claims.runId),
        },
      ),
    );
  };
