/**
 * Approval links through the app's real routes: only the link that was mailed, unaltered, unexpired, for the request
 * the run waits on, used once by the person it names, may record a decision. Every refusal leaves the run exactly
 * as it was; reading a link never decides anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetServices } from "../../lib/services.js";
import type { AuditRecord } from "../../lib/audit/index.js";
import { runUrl } from "../../lib/workflow/links.js";
import { DECISION_EVENT } from "../../lib/workflow/orchestrations.js";
import { APPROVER, startDemo, type Demo } from "../e2e/harness.js";
import {
  awaitingApproval,
  claimsOf,
  decisionState,
  deploymentKey,
  fetchText,
  linkOf,
  openLink,
  postDecision,
  raisedDecisions,
  signedWith,
  tampered,
  tokenOf,
  type Claims,
} from "./support.js";

const OTHER_KEY = "another-deployment-key-for-prod-0123456789abcdef";
const principal = (name: string): string =>
  Buffer.from(JSON.stringify({ userId: "u-1", userDetails: name, identityProvider: "aad" })).toString("base64");

describe("an approval link that is not exactly the one mailed", () => {
  let demo: Demo;
  let id: string;
  let link: string;
  let token: string;
  let claims: Claims;
  let key: string;
  let before: Awaited<ReturnType<typeof decisionState>>;

  beforeAll(async () => {
    demo = await startDemo();
    ({ id, link } = await awaitingApproval(demo, APPROVER));
    token = tokenOf(link);
    claims = claimsOf(token);
    key = await deploymentKey(demo);
    before = await decisionState(demo, id);
    // From here on App Service authentication is in front of the app: the test plays the platform's part and sends
    // x-ms-client-principal; without it the header would not be believed (test/security/identity.test.ts).
    process.env.APP_SERVICE_AUTH = "required";
    resetServices();
  });
  afterAll(async () => {
    await demo.close();
    delete process.env.APP_SERVICE_AUTH;
    resetServices();
  });

  /** GET and POST of `token` both answer `status`, and nothing about the run changes. */
  async function refused(forged: string, status: number, title: RegExp): Promise<void> {
    const page = await openLink(linkOf(demo, forged));
    const post = await postDecision(linkOf(demo, forged), { decision: "approve", reason: "forged" });
    for (const reply of [page, post]) {
      expect(reply.status).toBe(status);
      expect(reply.text).toMatch(title);
      expect(reply.text).toContain("Nothing was changed.");
      expect(reply.headers.get("content-type")).toContain("text/html");
    }
    expect(await decisionState(demo, id)).toEqual(before);
  }

  it("the mailed token names this run, its pending request and the approver, and expires at the deadline", async () => {
    const run = await demo.run(id);
    expect(claims).toMatchObject({ run: id, req: run.approvals.pending?.requestId, apr: APPROVER, kind: "approval" });
    expect(claims.exp).toBe(Math.floor(Date.parse(run.approvals.pending!.deadline) / 1000));
  });

  it.each([
    ["run", "demo-20260105t090000z-ffffff"],
    ["req", "00000000-0000-5000-8000-000000000000"],
    ["apr", "mallory@contoso.example"],
    ["apr", APPROVER.toUpperCase()],
    ["kind", "rollback"],
    ["exp", 4_102_444_800],
  ] as const)("tampered %s (%s), signature kept: 403", async (field, value) => {
    await refused(tampered(token, { [field]: value }), 403, /Invalid link/);
  });

  it("a signature with one character changed, cut short, or missing: 403", async () => {
    const [version, body, signature = ""] = token.split(".");
    const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    for (const forged of [
      `${version}.${body}.${flipped}`,
      `${version}.${body}.${signature.slice(0, -2)}`,
      `${version}.${body}.`,
      `${version}.${body}`,
      `v2.${body}.${signature}`,
      `${token}.extra`,
    ])
      await refused(forged, 403, /Invalid link/);
  });

  it("the very claims signed with another deployment's key (another environment's, or a forger's): 403", async () => {
    await refused(signedWith(OTHER_KEY, claims), 403, /Invalid link/);
    await refused(signedWith(OTHER_KEY, { ...claims, apr: "mallory@contoso.example" }), 403, /Invalid link/);
  });

  it("an expired link, even correctly signed for the waiting request: 410", async () => {
    const expired = signedWith(key, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    await refused(expired, 410, /Link expired/);
  });

  it("a genuine link for someone who is not an approver of this request: 403", async () => {
    await refused(signedWith(key, { ...claims, apr: "mallory@contoso.example" }), 403, /Not an approver/);
  });

  it("a genuine link of another kind (a rollback question) for the waiting approval's request: 403", async () => {
    await refused(signedWith(key, { ...claims, kind: "rollback" }), 403, /Invalid link/);
  });

  it("a genuine link for another request of the same run: 409", async () => {
    await refused(signedWith(key, { ...claims, req: "another-request" }), 409, /No longer waiting/);
  });

  it("opening the link (GET, HEAD, the page's view), many times, changes nothing: the run still waits", async () => {
    for (let i = 0; i < 15; i++) {
      const shell = await fetchText(link);
      expect(shell.status).toBe(200);
      expect(shell.headers.get("cache-control")).toBe("no-store");
      const page = await openLink(link);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<form method="post"');
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.headers.get("cache-control")).toBe("no-store");
    }
    for (let i = 0; i < 5; i++) expect((await fetchText(link, { method: "HEAD" })).status).toBeLessThan(500);
    expect(await decisionState(demo, id)).toEqual(before);
    expect(await raisedDecisions(demo, id)).toBe(0);
    expect((await demo.run(id)).status).toBe("awaiting-approval");
  });

  it("a decision that is not one of the request's choices: 400, nothing changed", async () => {
    for (const decision of ["retry", "APPROVE", "", "approve ", "finalize"]) {
      const reply = await postDecision(link, { decision });
      expect(reply.status).toBe(400);
    }
    expect(await decisionState(demo, id)).toEqual(before);
  });

  it("signed in (x-ms-client-principal) as someone else than the link's approver: 403, nothing changed", async () => {
    const reply = await postDecision(
      link,
      { decision: "approve" },
      { "x-ms-client-principal": principal("mallory@contoso.example") },
    );
    expect(reply.status).toBe(403);
    expect(reply.text).toContain("Wrong account");
    expect(await decisionState(demo, id)).toEqual(before);
  });

  it("the genuine link decides once; the same POST again is refused and changes nothing", async () => {
    const first = await postDecision(
      link,
      { decision: "approve", reason: "CHG-1" },
      { "x-ms-client-principal": principal(APPROVER.toUpperCase()) },
    );
    expect(first.status).toBe(200);
    expect(first.text).toContain(`<a href="${runUrl(demo.app.baseUrl, id)}">Follow the run</a>`);
    expect(first.text).not.toContain('href="undefined"');
    const after = await decisionState(demo, id);
    expect(after.decisions).toEqual([
      expect.objectContaining({
        approver: APPROVER,
        choice: "approve",
        reason: "CHG-1",
        principal: `aad:${APPROVER.toUpperCase()}`,
      }),
    ]);
    expect(after.raised).toBe(1);
    const replay = await postDecision(link, { decision: "reject", reason: "changed my mind" });
    expect(replay.status).toBe(409);
    const again = await decisionState(demo, id);
    expect(again.decisions).toEqual(after.decisions);
    expect(again.raised).toBe(1);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    expect(run.approvals.decisions).toHaveLength(1);
    expect((await postDecision(link, { decision: "approve" })).status).toBe(409);
  });
});

describe("a link of one run used while another waits", () => {
  let demo: Demo;
  afterAll(() => demo.close());

  it("is refused, for GET and POST, and the waiting run is untouched", async () => {
    demo = await startDemo();
    const a = await awaitingApproval(demo, APPROVER);
    expect((await demo.api("POST", `/api/upgrades/${a.id}/cancel`)).status).toBe(202);
    expect((await demo.finished(a.id)).status).toBe("cancelled");
    const b = await awaitingApproval(demo, APPROVER);
    const before = await decisionState(demo, b.id);
    const key = await deploymentKey(demo);
    const aClaims = claimsOf(tokenOf(a.link));
    const bClaims = claimsOf(tokenOf(b.link));

    for (const forged of [
      a.link,
      // Run B's id with run A's request: a correctly signed link can still only answer its own request.
      linkOf(demo, signedWith(key, { ...aClaims, run: b.id })),
      linkOf(demo, tampered(tokenOf(a.link), { run: b.id, req: bClaims.req })),
    ]) {
      const page = await openLink(forged);
      const post = await postDecision(forged, { decision: "approve" });
      for (const reply of [page, post]) {
        expect([403, 409]).toContain(reply.status);
        expect(reply.text).toContain("Nothing was changed.");
      }
    }
    expect(await decisionState(demo, b.id)).toEqual(before);
    expect((await demo.run(a.id)).status).toBe("cancelled");
    expect((await postDecision(b.link, { decision: "reject" })).status).toBe(200);
    expect((await demo.finished(b.id)).status).toBe("rejected");
  });
});

describe("a link past its deadline on the virtual clock", () => {
  let demo: Demo;
  afterAll(() => demo.close());

  it("is refused once the deadline passed (the run timed out), and decides nothing", async () => {
    demo = await startDemo();
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const deadline = claimsOf(tokenOf(link)).exp * 1000;
    const run = await demo.finished(id);
    expect(demo.clock.now()).toBeGreaterThanOrEqual(deadline);
    expect(run.status).toBe("rejected");
    expect(run.reason).toContain("timeout counts as rejection");
    // The route checks `exp` against wall time; on the virtual clock the run's own deadline is what refuses it.
    for (const reply of [await openLink(link), await postDecision(link, { decision: "approve" })]) {
      expect(reply.status).toBe(409);
      expect(reply.text).toContain("Nothing was changed.");
    }
    expect((await demo.run(id)).approvals.decisions).toEqual([]);
    expect(await raisedDecisions(demo, id)).toBe(0);
  });
});

describe("a decision raised around the approval route (the management API's system key)", () => {
  let demo: Demo;
  afterAll(() => demo.close());

  it("unsigned, or with a signature made for another decision, is refused, recorded, and counts for nothing", async () => {
    demo = await startDemo();
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const claims = claimsOf(tokenOf(link));
    const raise = (event: Record<string, unknown>) =>
      fetchText(
        `${demo.app.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}/raiseEvent/${DECISION_EVENT}?code=${demo.app.runtime.systemKey}`,
        { method: "POST", body: JSON.stringify(event), headers: { "content-type": "application/json" } },
      );
    const forged = {
      requestId: claims.req,
      approver: APPROVER,
      choice: "approve",
      decidedAt: new Date().toISOString(),
    };
    expect((await raise(forged)).status).toBe(202);
    expect((await raise({ ...forged, signature: `d1.${"A".repeat(43)}` })).status).toBe(202);
    await demo.app.runtime.runUntil(async () => (await raisedDecisions(demo, id)) === 2, { maxVirtualMs: 60_000 });
    const waiting = await decisionState(demo, id);
    expect(waiting.status).toBe("awaiting-approval");
    expect(waiting.decided).toEqual([]);
    expect(waiting.decisions).toEqual([]);
    expect(waiting.helmOperations).toBe(0);

    expect((await postDecision(link, { decision: "reject", reason: "not now" })).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("rejected");
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.approvals.decisions).toEqual([
      expect.objectContaining({ approver: APPROVER, choice: "reject", signed: "verified" }),
    ]);
    expect(audit.approvals.refused).toEqual([
      expect.objectContaining({ approver: APPROVER, choice: "approve", signed: "unsigned" }),
      expect.objectContaining({ approver: APPROVER, choice: "approve", signed: "invalid" }),
    ]);
    expect(audit.events.filter((e) => e.message.startsWith("decision refused (")).length).toBe(2);
  });
});
