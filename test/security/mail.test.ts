/**
 * The e-mails and pages of a run: who gets what, with which link, and that text someone else typed (a requester's
 * name, a cancel reason, a decision reason, a values file) stays text in every HTML mail and page. Sending honours a
 * 429's Retry-After.
 */
import { afterEach, describe, expect, it } from "vitest";
import { sendWithRetry } from "../../activities/mailing.js";
import type { MailMessage, MailSendResult, MailTransport } from "../../lib/mail/index.js";
import { APPROVER, approve, startDemo, type Demo } from "../e2e/harness.js";
import { awaitingApproval, openLink, postDecision } from "./support.js";

const SCRIPT = `<script>alert("x")</script>`;
const IMG = `<img src=x onerror="alert(1)">`;
const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

function scriptedTransport(answers: MailSendResult[]): MailTransport & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    send: () => {
      calls.push(performance.now());
      return Promise.resolve(answers[calls.length - 1] ?? { ok: true, messageId: `m-${calls.length}` });
    },
  };
}

const MESSAGE: MailMessage = { to: ["a@contoso.example"], subject: "s", text: "t", html: "<p>t</p>" };

describe("sending with retries", () => {
  it("a 429 is retried after the Retry-After the service asked for, then succeeds", async () => {
    const transport = scriptedTransport([
      { ok: false, reason: "429 Too Many Requests", retryAfterMs: 300, permanent: false },
    ]);
    const result = await sendWithRetry(transport, MESSAGE);
    expect(result).toEqual({ ok: true, messageId: "m-2" });
    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[1]! - transport.calls[0]!).toBeGreaterThanOrEqual(290);
  });

  it("a permanent refusal is not retried; repeated 429s give up after three tries with the reason", async () => {
    const refused = scriptedTransport([{ ok: false, reason: "invalid recipient", permanent: true }]);
    expect(await sendWithRetry(refused, MESSAGE)).toEqual({ ok: false, reason: "invalid recipient" });
    expect(refused.calls).toHaveLength(1);

    const busy: MailSendResult = { ok: false, reason: "429 Too Many Requests", retryAfterMs: 20, permanent: false };
    const throttled = scriptedTransport([busy, busy, busy, busy]);
    expect(await sendWithRetry(throttled, MESSAGE)).toEqual({ ok: false, reason: "429 Too Many Requests" });
    expect(throttled.calls).toHaveLength(3);
  });
});

describe("the mails of a run", () => {
  it("approvers get their own link only; users the downtime notice; operators, users and requester the outcome", async () => {
    // The requester (ops@contoso.example) is not listed in the profile: their domain must be allowed.
    demo = await startDemo({ scenario: BASIC, profile: { notify: { allowedDomains: ["contoso.example"] } } });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    expect((await demo.finished(id)).status).toBe("completed");
    const mails = await demo.mails();
    const systemKey = demo.app.runtime.systemKey;

    for (const m of mails) {
      expect(m.headers["X-CluedIn-Upgrade-Run"]).toBe(id);
      expect(m.html).toMatch(/^<!doctype html>/);
      expect(`${m.text}${m.html}`).not.toContain("/runtime/webhooks");
      expect(`${m.text}${m.html}`).not.toContain(systemKey);
      expect(m.text).toContain(`/runs/${id}`);
    }
    const [request, ...others] = mails.filter((m) => m.subject.includes("Approval needed"));
    expect(others).toEqual([]);
    expect(request!.to).toEqual([APPROVER]);
    expect(request!.subject).toBe("[dev] demo: Approval needed: upgrade to 2024.12.02");
    const link = (await demo.links(id, APPROVER))[0]!;
    expect(request!.text).toContain(link);
    expect(request!.html).toContain(`href="${link}"`);
    expect(request!.text).toMatch(/expires at \d{4}-\d\d-\d\dT/);
    expect(request!.text).toContain("Do not forward it.");

    const downtime = mails.find((m) => m.subject.includes("downtime"))!;
    expect(downtime.to).toEqual(["users@contoso.example"]);
    expect(downtime.text).toContain("from 2024.12.01 to 2024.12.02");
    expect(downtime.text).not.toMatch(/\/api\/approvals[/#]/);

    const completed = mails.find((m) => m.subject.includes("completed"))!;
    expect([...completed.to].sort()).toEqual(
      ["approver@contoso.example", "operators@contoso.example", "ops@contoso.example", "users@contoso.example"].sort(),
    );
    expect(completed.text).not.toMatch(/\/api\/approvals[/#]/);
  });
});

describe("text typed by people stays text", () => {
  it("a requester's name and a cancel reason in HTML mails; a decision reason in the page and the run", async () => {
    demo = await startDemo();
    // Not signed in: the local runtime takes a declared e-mail where self-approval is forbidden.
    const { id, link } = await awaitingApproval(demo, APPROVER, "2025.05.00", {
      requestedBy: { name: SCRIPT, email: "ops@contoso.example" },
    });
    const request = (await demo.mails()).find((m) => m.subject.includes("Approval needed"))!;
    expect(request.text).toContain(
      `Requested by someone not signed in (the requester wrote: "${SCRIPT} <ops@contoso.example>").`,
    );
    expect(request.html).toContain(
      "Requested by someone not signed in (the requester wrote: &quot;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;ops@contoso.example&gt;&quot;).",
    );

    const page = await openLink(link);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<script|<img/i);

    expect((await demo.api("POST", `/api/upgrades/${id}/cancel`, { by: IMG, reason: SCRIPT })).status).toBe(202);
    const run = await demo.finished(id);
    expect(run.status).toBe("cancelled");
    expect(run.reason).toContain(IMG);
    const outcome = (await demo.mails()).find((m) => m.subject.includes("failed"))!;
    expect(outcome.text).toContain(IMG);
    expect(outcome.html).toContain(
      "cancelled by an operator who is not signed in and wrote &quot;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&quot;",
    );
    for (const mail of await demo.mails()) expect(mail.html).not.toMatch(/<script|<img/i);
  });

  it("a values file and a decision reason with markup are shown escaped on the approval and result pages", async () => {
    demo = await startDemo({ scenario: BASIC });
    const values = `application:\n  cluedin:\n    annotations:\n      note: '${SCRIPT}${IMG}'\n`;
    const { id, link } = await awaitingApproval(demo, APPROVER, "2024.12.02", { values });
    const page = await openLink(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page.text).not.toMatch(/<script|<img/i);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");

    const decided = await postDecision(link, { decision: "approve", reason: `${SCRIPT} ${IMG}` });
    expect(decided.status).toBe(200);
    expect(decided.text).not.toMatch(/<script|<img/i);
    const run = await demo.finished(id);
    expect(run.approvals.decisions[0]!.reason).toBe(`${SCRIPT} ${IMG}`);
    for (const mail of await demo.mails()) expect(mail.html).not.toMatch(/<script|<img/i);
  });
});
