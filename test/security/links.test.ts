/**
 * Approval tokens never travel in a URL: request telemetry keeps every request's path and query, and whoever reads
 * the logs could decide until the deadline. Every request line the app's server sees during a whole approved run
 * (the browser's, the approver's, the durable client's) is captured from node:http's diagnostics channel.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, approve, startDemo, type Demo } from "../e2e/harness.js";
import { awaitingApproval, decisionState, fetchText, openLink, postDecision, tokenOf } from "./support.js";

const REQUEST_START = "http.server.request.start";

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

/** The forms a token could take in a URL: whole, escaped, or its signature alone. */
const tokenForms = (token: string): string[] => [token, encodeURIComponent(token), token.split(".").at(-1) ?? token];

describe("approval tokens in request lines", () => {
  it("no request line (method, path, query) of a whole approved run carries a token", async () => {
    const lines: string[] = [];
    let runId: string | undefined;
    const listener = (message: unknown): void => {
      const { request } = message as { request: IncomingMessage };
      lines.push(`${request.method ?? ""} ${request.url ?? ""}`);
    };
    subscribe(REQUEST_START, listener);
    try {
      demo = await startDemo();
      const { id, link } = await awaitingApproval(demo, APPROVER);
      runId = id;
      expect(link).toMatch(/\/api\/approvals#v1\./);
      // As the browser opens the mailed link: the static page, then the page its script posts the fragment to.
      const shell = await fetchText(link);
      expect(shell.status).toBe(200);
      expect(shell.text).not.toContain(tokenOf(link));
      expect((await openLink(link)).status).toBe(200);
      await approve(demo, id);
      expect((await demo.finished(id)).status).toBe("completed");
    } finally {
      unsubscribe(REQUEST_START, listener);
    }
    const tokens = (await demo.links(runId ?? "", APPROVER)).map(tokenOf);
    expect(tokens.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith("POST /api/approvals")).length).toBeGreaterThanOrEqual(2);
    for (const token of tokens)
      for (const form of tokenForms(token)) expect(lines.filter((l) => l.includes(form))).toEqual([]);
  });

  it("a link of the older form is sent on to the fragment form and decides nothing; its path takes no decision", async () => {
    demo = await startDemo();
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const token = tokenOf(link);
    const before = await decisionState(demo, id);
    const old = `${demo.app.baseUrl}/api/approvals/${encodeURIComponent(token)}`;
    const reply = await fetch(old, { redirect: "manual" });
    expect(reply.status).toBe(303);
    expect(reply.headers.get("location")).toBe(link);
    const posted = await fetchText(old, {
      method: "POST",
      body: new URLSearchParams({ decision: "approve" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(posted.status).toBeGreaterThanOrEqual(400);
    expect(posted.status).toBeLessThan(500);
    expect(await decisionState(demo, id)).toEqual(before);
    expect((await postDecision(link, { decision: "approve" })).status).toBe(200);
  });
});
