import azf, { type HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { describe, expect, it } from "vitest";
import { createApprovalToken } from "../../../lib/approvals/token.js";
import { runUrl } from "../../../lib/workflow/links.js";
import type { RunView } from "../../../lib/workflow/model.js";
import { approvalRoute, makeApprovalDecision, makeApprovalPage } from "../../../functions/approvals.js";

const KEY = "unit-test-signing-key-0123456789abcdef";
const BASE = "https://upgrade.contoso.example/";
const RUN = "demo-20260105t090000z-abcdef";
const APPROVER = "approver@contoso.example";

const view: RunView = {
  status: "awaiting-approval",
  cluster: "demo",
  environment: "dev",
  fromRelease: "2024.12.02",
  targetRelease: "2025.05.00",
  stages: [],
  decisions: [],
  events: [],
  pendingDecision: {
    requestId: "req-1",
    kind: "approval",
    choices: ["approve", "reject"],
    approvers: [APPROVER],
    required: 1,
    decided: [],
    deadline: "2026-01-06T09:00:00.000Z",
  },
};

const token = (expiresAt = new Date(Date.now() + 3_600_000)) =>
  createApprovalToken(KEY, { runId: RUN, requestId: "req-1", approver: APPROVER, kind: "approval", expiresAt });

/** A durable client that knows one waiting run and records the events raised to it. */
function fakeClient(
  getStatus: () => Promise<unknown> = () =>
    Promise.resolve({ name: "upgrade", runtimeStatus: "Running", customStatus: view, input: {} }),
) {
  const raised: unknown[] = [];
  const client = {
    getStatus,
    raiseEvent: (_id: string, _name: string, data: unknown) => {
      raised.push(data);
      return Promise.resolve();
    },
  } as unknown as DurableClient;
  return { client, raised };
}

const post = (link: string, form: Record<string, string>) =>
  new azf.HttpRequest({
    method: "POST",
    url: "http://localhost/api/approvals",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: { string: new URLSearchParams({ token: link, ...form }).toString() },
  });

/** The page a route answered with (htmlResponse sets a string body). */
function htmlOf(reply: HttpResponseInit): string {
  if (typeof reply.body !== "string") throw new Error("expected an HTML page");
  return reply.body;
}

/** The write-once claim store in memory: the first body under a key stays. */
function memoryClaims() {
  const kept = new Map<string, string>();
  return {
    claim: (key: string, body: string) => {
      const first = kept.get(key);
      if (first !== undefined) return Promise.resolve({ created: false, body: first });
      kept.set(key, body);
      return Promise.resolve({ created: true, body });
    },
    readClaim: (key: string) => Promise.resolve(kept.get(key)),
  };
}

function freshDeps() {
  const store = memoryClaims();
  return { signingKey: () => KEY, publicBaseUrl: () => BASE, claims: () => store };
}
const context = (logged: string[] = []) =>
  new azf.InvocationContext({ invocationId: "inv-7", logHandler: (_level, ...args) => logged.push(args.join(" ")) });

describe("the page after a decision", () => {
  it("links to the run's dashboard page, never to `undefined`", async () => {
    const { client, raised } = fakeClient();
    const decide = approvalRoute(makeApprovalDecision(freshDeps()));
    const reply = await decide(post(token(), { decision: "approve", reason: "CHG-1" }), client, context());
    expect(reply.status).toBe(200);
    expect(raised).toEqual([expect.objectContaining({ requestId: "req-1", approver: APPROVER, choice: "approve" })]);
    const html = htmlOf(reply);
    expect(html).toContain("Decision recorded");
    expect(html).toContain(`<a href="${runUrl(BASE, RUN)}">Follow the run</a>`);
    expect(html).toContain(`href="https://upgrade.contoso.example/api/dashboard/runs/${RUN}"`);
    expect(html).not.toContain('href="undefined"');
  });
});

describe("approvalRoute", () => {
  it("answers a refusal with its status, its heading and that nothing was changed", async () => {
    const { client, raised } = fakeClient();
    const decide = approvalRoute(makeApprovalDecision(freshDeps()));
    const expired = await decide(post(token(new Date(Date.now() - 1000)), { decision: "approve" }), client, context());
    expect(expired.status).toBe(410);
    expect(htmlOf(expired)).toContain("Link expired");
    expect(htmlOf(expired)).toContain("Nothing was changed.");
    const invalid = await decide(post(token(), { decision: "APPROVE" }), client, context());
    expect(invalid.status).toBe(400);
    expect(htmlOf(invalid)).toContain("Invalid decision");
    expect(htmlOf(invalid)).toContain("Choose one of: approve, reject.");
    expect(raised).toEqual([]);
  });

  it("answers an unexpected error with 500, logs it and shows nothing of it", async () => {
    const { client } = fakeClient(() => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:443")));
    const logged: string[] = [];
    const page = await approvalRoute(makeApprovalPage(freshDeps()))(
      new azf.HttpRequest({
        method: "POST",
        url: "http://localhost/api/approvals/view",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: { string: new URLSearchParams({ token: token() }).toString() },
      }),
      client,
      context(logged),
    );
    expect(page.status).toBe(500);
    expect(htmlOf(page)).not.toContain("ECONNREFUSED");
    expect(htmlOf(page)).toContain("inv-7");
    expect(logged.join("\n")).toContain("ECONNREFUSED 10.0.0.7");
  });
});
