/**
 * End-to-end harness: the real app on the local runtime's virtual clock against the simulated cluster, driven
 * through its HTTP API and its e-mailed approval links, exactly as an operator would. No module is mocked.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from "yaml";
import { VirtualClock } from "../../local/clock.js";
import { recordCustomStatus } from "./custom-status.js";
import { startLocalApp, type LocalApp, type LocalAppOptions } from "../../local/app.js";
import { readOutbox, type OutboxMessage } from "../../lib/mail/index.js";
import { VALUES_FILES_DIR } from "../../lib/catalog/index.js";
import { resetServices } from "../../lib/services.js";
import type { UpgradeResource } from "../../lib/workflow/status.js";

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface Demo {
  app: LocalApp;
  clock: VirtualClock;
  dir: string;
  api<T = unknown>(method: string, route: string, body?: unknown): Promise<Reply<T>>;
  start(targetRelease: string, extra?: Record<string, unknown>): Promise<string>;
  run(id: string): Promise<UpgradeResource>;
  /** Drives the runtime (and virtual time) until the run satisfies `predicate`. */
  until(id: string, predicate: (run: UpgradeResource) => boolean, maxVirtualMs?: number): Promise<UpgradeResource>;
  finished(id: string, maxVirtualMs?: number): Promise<UpgradeResource>;
  mails(): Promise<OutboxMessage[]>;
  /** The decision links mailed to `approver` for run `id`, newest last. */
  links(id: string, approver: string): Promise<string[]>;
  decide(link: string, decision: string, reason?: string, headers?: Record<string, string>): Promise<Reply<string>>;
  close(): Promise<void>;
}

export const isFinished = (run: UpgradeResource): boolean => run.finished;
export const REQUESTER = { name: "Ops", email: "ops@contoso.example" };
export const APPROVER = "approver@contoso.example";
/** The simulated cluster on 2024.12.01: a basic upgrade to 2024.12.02 away. */
export const ON_2024_12_01 = {
  scenario: { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } },
};

export async function startDemo(options: Partial<Omit<LocalAppOptions, "dir" | "clock">> = {}): Promise<Demo> {
  const dir = await mkdtemp(path.join(tmpdir(), "cluedin-upgrade-e2e-"));
  const clock = new VirtualClock(Date.now());
  // The compact timing set keeps each upgrade to a few polls; the workflow benchmark runs the runbook set at scale 1.
  const app = await startLocalApp({ dir, clock, timeScale: 0.05, timingSet: "compact", ...options });

  const api = async <T>(method: string, route: string, body?: unknown): Promise<Reply<T>> => {
    const response = await fetch(route.startsWith("http") ? route : `${app.baseUrl}${route}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML pages stay text.
    }
    return { status: response.status, body: parsed as T, text };
  };

  const run = async (id: string): Promise<UpgradeResource> => {
    const reply = await api<UpgradeResource>("GET", `/api/upgrades/${id}`);
    if (reply.status !== 200) throw new Error(`GET /api/upgrades/${id}: ${reply.status} ${reply.text}`);
    return reply.body;
  };

  const until = async (id: string, predicate: (r: UpgradeResource) => boolean, maxVirtualMs = 6 * 3_600_000) => {
    let last: UpgradeResource | undefined;
    await app.runtime.runUntil(
      async () => {
        last = await run(id);
        return predicate(last);
      },
      { maxVirtualMs, timeoutMs: 60_000 },
    );
    return last!;
  };

  const mails = () => readOutbox(app.outboxDir);

  return {
    app,
    clock,
    dir,
    api,
    start: async (targetRelease, extra = {}) => {
      const reply = await api<{ id: string }>("POST", "/api/upgrades", {
        cluster: "demo",
        targetRelease,
        requestedBy: REQUESTER,
        ...extra,
      });
      if (reply.status !== 202) throw new Error(`start: ${reply.status} ${reply.text}`);
      return reply.body.id;
    },
    run,
    until,
    finished: (id, maxVirtualMs) => until(id, isFinished, maxVirtualMs),
    mails,
    links: async (id, approver) =>
      (await mails())
        .filter((m) => m.headers["X-CluedIn-Upgrade-Run"] === id && m.to.includes(approver))
        .flatMap((m) => [...m.text.matchAll(/https?:\/\/\S+\/api\/approvals#[A-Za-z0-9._%-]+/g)].map((x) => x[0])),
    // What the decision page posts: the token from the link's fragment, in the body, never in the URL.
    decide: async (link, decision, reason, headers = {}) => {
      const url = new URL(link);
      const token = decodeURIComponent(url.hash.slice(1));
      url.hash = "";
      const response = await fetch(url, {
        method: "POST",
        body: new URLSearchParams({ token, decision, ...(reason ? { reason } : {}) }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      });
      const text = await response.text();
      return { status: response.status, body: text, text };
    },
    close: async () => {
      const largest = app.runtime.largestCustomStatus;
      await app.close();
      if (process.env.RELEASES_FILE?.startsWith(dir)) {
        delete process.env.RELEASES_FILE;
        resetServices();
      }
      await rm(dir, { recursive: true, force: true });
      // Only under vitest: the benchmarks drive demos too, where expect has no state to read.
      if (process.env.VITEST) recordCustomStatus(largest, expect.getState().testPath ?? "e2e");
    },
  };
}

/** Waits for the approval request, then approves through the e-mailed link as the approver would. */
/** The approval page as the approver's browser opens it: the token from the link's fragment, posted in a form. */
export async function approvalPage(demo: Demo, link: string): Promise<string> {
  const token = decodeURIComponent(new URL(link).hash.slice(1));
  const response = await fetch(`${demo.app.baseUrl}/api/approvals/view`, {
    method: "POST",
    body: new URLSearchParams({ token }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  return await response.text();
}

export async function approve(demo: Demo, id: string, approver = APPROVER): Promise<void> {
  await demo.until(id, (r) => r.status === "awaiting-approval" || isFinished(r));
  const link = (await demo.links(id, approver)).at(-1);
  if (!link) throw new Error(`no approval link for ${approver}`);
  const reply = await demo.decide(link, "approve", "change CHG-1234 approved");
  if (reply.status !== 200) throw new Error(`approve: ${reply.status} ${reply.text}`);
}

/**
 * Runs the app on a copy of config/releases.yaml with one release changed by `edit`, set the way a deploy sets it
 * (the RELEASES_FILE setting); the demo's close restores the project's catalog.
 */
export async function editRelease(
  demo: Demo,
  tag: string,
  edit: (release: YAMLMap, catalog: Document) => void,
): Promise<void> {
  const catalog = parseDocument(await readFile(path.resolve("config/releases.yaml"), "utf8"));
  const releases = catalog.get("releases");
  const release = isSeq(releases) ? releases.items.find((r) => isMap(r) && r.get("tag") === tag) : undefined;
  if (!isMap(release)) throw new Error(`${tag} is not in config/releases.yaml`);
  edit(release, catalog);
  const file = path.join(demo.dir, "releases.yaml");
  await writeFile(file, catalog.toString());
  // The catalog's values files live beside it (lib/catalog VALUES_FILES_DIR), as a deploy ships them.
  await cp(path.resolve("config", VALUES_FILES_DIR), path.join(demo.dir, VALUES_FILES_DIR), { recursive: true });
  process.env.RELEASES_FILE = file;
  resetServices();
}
