/**
 * What the security tests share: reading and forging approval tokens, and a snapshot of everything a decision could
 * change (run status, recorded decisions, decision events in history, Helm operations) to prove that a refused
 * request changed nothing.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createApprovalToken } from "../../lib/approvals/token.js";
import { approvalUrl } from "../../lib/workflow/links.js";
import { DECISION_EVENT } from "../../lib/workflow/orchestrations.js";
import { EventType } from "../../local/runtime/index.js";
import type { Demo, Reply } from "../e2e/harness.js";

export type Claims = { run: string; req: string; apr: string; kind: string; exp: number };

/** The token of a mailed link (`/api/approvals#<token>`), or of a link of the older form (`/api/approvals/<token>`). */
export function tokenOf(link: string): string {
  const url = new URL(link);
  return decodeURIComponent(url.hash ? url.hash.slice(1) : (url.pathname.split("/").at(-1) ?? ""));
}

export const linkOf = (demo: Demo, token: string): string => approvalUrl(demo.app.baseUrl, token);

/** Where a link's page posts to: the link without its fragment, plus `suffix`. */
const postTarget = (link: string, suffix = ""): string => {
  const url = new URL(link);
  url.hash = "";
  return `${url.href}${suffix}`;
};

export function claimsOf(token: string): Claims {
  const body = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Claims;
}

/** The token with its claims changed and its original signature kept: what an attacker without the key can do. */
export function tampered(token: string, patch: Partial<Record<keyof Claims, unknown>>): string {
  const [version, , signature] = token.split(".");
  const body = Buffer.from(JSON.stringify({ ...claimsOf(token), ...patch })).toString("base64url");
  return `${version}.${body}.${signature}`;
}

/** A token signed with `key`: a forgery when `key` is not this deployment's. */
export function signedWith(key: string, claims: Claims): string {
  return createApprovalToken(key, {
    runId: claims.run,
    requestId: claims.req,
    approver: claims.apr,
    kind: claims.kind as "approval",
    expiresAt: new Date(claims.exp * 1000),
  });
}

export const deploymentKey = async (demo: Demo): Promise<string> =>
  (await readFile(path.join(demo.dir, "approval-signing-key"), "utf8")).trim();

export async function fetchText(url: string, init: RequestInit = {}): Promise<Reply<string> & { headers: Headers }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  return { status: response.status, body: text, text, headers: response.headers };
}

/** What a person's decision form posts: the link's token and their choice, in the body of `POST /api/approvals`. */
export const postDecision = (link: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetchText(postTarget(link), {
    method: "POST",
    body: new URLSearchParams({ token: tokenOf(link), ...form }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });

/** The decision page a mailed link opens: its script posts the fragment's token to `POST /api/approvals/view`. */
export const openLink = (link: string) =>
  fetchText(postTarget(link, "/view"), {
    method: "POST",
    body: new URLSearchParams({ token: tokenOf(link) }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });

/** Decision events the run's history holds (raised by the approval route), counted or not. */
export async function raisedDecisions(demo: Demo, id: string): Promise<number> {
  const history = await demo.app.runtime.history(id);
  return history.filter((e) => e.EventType === EventType.EventRaised && "Name" in e && e.Name === DECISION_EVENT)
    .length;
}

/** Everything a decision could change; equal snapshots before and after prove a request changed nothing. */
export async function decisionState(demo: Demo, id: string) {
  await demo.app.runtime.whenIdle();
  const run = await demo.run(id);
  return {
    status: run.status,
    stage: run.stage,
    pendingRequest: run.approvals.pending?.requestId,
    decided: run.approvals.pending?.decided ?? [],
    decisions: run.approvals.decisions,
    raised: await raisedDecisions(demo, id),
    helmOperations: demo.app.sim.state().helmOperations.length,
  };
}

/** Starts a run and waits for its approval request; answers the run id and the approver's link. */
export async function awaitingApproval(
  demo: Demo,
  approver: string,
  target = "2025.05.00",
  extra: Record<string, unknown> = {},
): Promise<{ id: string; link: string }> {
  const id = await demo.start(target, extra);
  await demo.until(id, (r) => r.status === "awaiting-approval" || r.finished);
  const link = (await demo.links(id, approver)).at(-1);
  if (!link) throw new Error(`no approval link for ${approver}`);
  return { id, link };
}

/** The outbox as raw .eml text and as decoded parts, so a secret split by quoted-printable is still found. */
export async function mailTexts(demo: Demo): Promise<{ file: string; raw: string; decoded: string }[]> {
  const mails = await demo.mails();
  return Promise.all(
    mails.map(async (m) => ({
      file: m.file,
      raw: await readFile(path.join(demo.app.outboxDir, m.file), "utf8"),
      decoded: `${m.subject}\n${m.text}\n${m.html}`,
    })),
  );
}

/** A secret as it could appear: plain, or inside base64 at any byte alignment (the edges mix with other bytes). */
export function secretForms(secret: string): string[] {
  const forms = [secret];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.from("\0".repeat(offset) + secret).toString("base64");
    const stable = encoded.slice(offset === 0 ? 0 : 4, -4);
    if (stable.length >= 8) forms.push(stable, stable.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return forms;
}

export interface Leak {
  secret: string;
  where: string;
}

/** Every place in `sources` (name -> text) where a form of a secret occurs. */
export function findLeaks(secrets: Record<string, string>, sources: Map<string, string>): Leak[] {
  const leaks: Leak[] = [];
  for (const [name, secret] of Object.entries(secrets))
    for (const form of secretForms(secret))
      for (const [where, text] of sources) if (text.includes(form)) leaks.push({ secret: name, where });
  return leaks;
}

/** Files under `dir`, recursively, as path -> text, leaving out the directories named in `except`. */
export async function filesUnder(dir: string, except: string[] = []): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file);
    if (except.some((x) => relative === x || relative.startsWith(`${x}${path.sep}`))) continue;
    texts.set(relative, await readFile(file, "utf8"));
  }
  return texts;
}

/**
 * What the app keeps and says about its runs: every instance's status with input, output and custom status, its
 * history in wire form and as the status API shows it with outputs, the app's own status routes.
 */
export async function runRecords(demo: Demo): Promise<Map<string, string>> {
  const records = new Map<string, string>();
  const runtime = demo.app.runtime;
  for (const status of await runtime.list({ showInput: true })) {
    const id = status.instanceId;
    records.set(`status ${id}`, JSON.stringify(status));
    records.set(`history ${id}`, JSON.stringify(await runtime.history(id)));
    records.set(
      `getStatus ${id}`,
      JSON.stringify(await runtime.getStatus(id, { showInput: true, showHistory: true, showHistoryOutput: true })),
    );
    const webhook = `${demo.app.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`;
    const query = `showHistory=true&showHistoryOutput=true&showInput=true&code=${runtime.systemKey}`;
    records.set(`status API ${id}`, (await fetchText(`${webhook}?${query}`)).text);
    records.set(`GET /api/upgrades/${id}`, (await demo.api("GET", `/api/upgrades/${encodeURIComponent(id)}`)).text);
  }
  records.set("GET /api/upgrades", (await demo.api("GET", "/api/upgrades")).text);
  return records;
}
