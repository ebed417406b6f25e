/**
 * The rules of an approval, through the real routes and e-mailed links: quorum, no self-approval, one rejection ends
 * the wait, a link counts once even when pressed twice at the same moment, and reminders and escalation go out at
 * the times the profile names (virtual clock).
 */
import type { AuditRecord } from "../../lib/audit/index.js";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, startDemo, type Demo } from "../e2e/harness.js";
import { awaitingApproval, decisionState, postDecision } from "./support.js";

const SECOND = "second-approver@contoso.example";
const HEAD = "head-of-data@contoso.example";
const BASIC = { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } };
const TWO_OF_TWO = {
  approvers: [{ email: APPROVER }, { email: SECOND }],
  policies: { approvals: { required: 2 } },
};
const MINUTE = 60_000;

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const helmUpgrades = (d: Demo) => d.app.sim.state().helmOperations.filter((op) => op.kind === "upgrade").length;

describe("quorum", () => {
  it("one approval of two keeps the run waiting; the second lets it continue", async () => {
    demo = await startDemo({ scenario: BASIC, profile: TWO_OF_TWO });
    const { id, link } = await awaitingApproval(demo, APPROVER, "2024.12.02");
    const second = (await demo.links(id, SECOND)).at(-1)!;
    expect(second).not.toBe(link);

    expect((await postDecision(link, { decision: "approve" })).status).toBe(200);
    const waiting = await decisionState(demo, id);
    expect(waiting.status).toBe("awaiting-approval");
    expect(waiting.decided).toEqual([expect.objectContaining({ approver: APPROVER, choice: "approve" })]);
    expect(helmUpgrades(demo)).toBe(0);
    expect((await postDecision(link, { decision: "approve" })).status).toBe(409);

    expect((await postDecision(second, { decision: "approve", reason: "second pair of eyes" })).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("completed");
    expect(run.approvals.decisions.map((d) => d.approver)).toEqual([APPROVER, SECOND]);
    expect(helmUpgrades(demo)).toBe(1);
  });

  it("a rejection by one approver ends the wait at once, whatever the quorum", async () => {
    demo = await startDemo({ profile: TWO_OF_TWO });
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const second = (await demo.links(id, SECOND)).at(-1)!;
    const askedAt = demo.clock.now();
    expect((await postDecision(second, { decision: "reject", reason: "quarter close" })).status).toBe(200);
    const run = await demo.finished(id);
    expect(run.status).toBe("rejected");
    expect(demo.clock.now()).toBe(askedAt);
    expect(run.approvals.decisions).toEqual([expect.objectContaining({ approver: SECOND, choice: "reject" })]);
    expect((await postDecision(link, { decision: "approve" })).status).toBe(409);
    expect(helmUpgrades(demo)).toBe(0);
  });

  it("the same link pressed twice at once counts once", async () => {
    demo = await startDemo({ profile: TWO_OF_TWO });
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const replies = await Promise.all([
      postDecision(link, { decision: "approve" }),
      postDecision(link, { decision: "approve" }),
      postDecision(link, { decision: "approve" }),
    ]);
    expect(replies.some((r) => r.status === 200)).toBe(true);
    const state = await decisionState(demo, id);
    expect(state.status).toBe("awaiting-approval");
    expect(state.decided).toHaveLength(1);
    expect(state.decisions).toHaveLength(1);
    // Presses that passed the route's check before the first was counted are refused by the orchestration; the
    // audit record of the finished run keeps every event (the view only the newest).
    expect((await postDecision((await demo.links(id, SECOND)).at(-1)!, { decision: "reject" })).status).toBe(200);
    await demo.finished(id);
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    const refusedInRun = audit.events.filter((e) => e.message.includes("has already decided")).length;
    expect(state.raised - 1).toBe(refusedInRun);
  });
});

describe("racing presses of one link", () => {
  it("twenty at once: exactly one is recorded, every other is told the choice that counted", async () => {
    demo = await startDemo({ profile: TWO_OF_TWO });
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => postDecision(link, { decision: "approve", reason: "CHG-7" })),
    );
    expect(replies.filter((r) => r.status === 200 && r.text.includes("Decision recorded"))).toHaveLength(1);
    const others = replies.filter((r) => r.status !== 200);
    expect(others).toHaveLength(19);
    for (const reply of others) {
      expect(reply.status).toBe(409);
      expect(reply.text).toContain("Already decided: approve");
    }
    const state = await decisionState(demo, id);
    expect(state.status).toBe("awaiting-approval");
    expect(state.decided).toEqual([expect.objectContaining({ approver: APPROVER, choice: "approve" })]);
    expect(state.raised).toBe(1);
  });

  it("approve racing reject: the one answered 'recorded' is the one the run counted, the others name it", async () => {
    demo = await startDemo({ profile: TWO_OF_TWO });
    const { id, link } = await awaitingApproval(demo, APPROVER);
    const choices = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "approve" : "reject"));
    const replies = await Promise.all(choices.map((decision) => postDecision(link, { decision })));
    const recorded = replies.flatMap((r, i) => (r.status === 200 ? [choices[i]] : []));
    expect(recorded).toHaveLength(1);
    const state = await decisionState(demo, id);
    expect(state.decided).toEqual([expect.objectContaining({ approver: APPROVER, choice: recorded[0] })]);
    for (const reply of replies.filter((r) => r.status !== 200)) {
      expect(reply.status).toBe(409);
      expect(reply.text).toContain(`Already decided: ${recorded[0]}`);
    }
    const again = await postDecision(link, { decision: recorded[0] === "approve" ? "reject" : "approve" });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`Already decided: ${recorded[0]}`);
    expect((await demo.run(id)).status).toBe(recorded[0] === "approve" ? "awaiting-approval" : "rejected");
  });
});

describe("self-approval", () => {
  it("the requester's approval is refused and changes nothing; their rejection still counts", async () => {
    demo = await startDemo();
    const { id, link } = await awaitingApproval(demo, APPROVER, "2025.05.00", {
      requestedBy: { name: "Approver Themself", email: APPROVER.toUpperCase() },
    });
    const before = await decisionState(demo, id);
    const reply = await postDecision(link, { decision: "approve" });
    expect(reply.status).toBe(403);
    expect(reply.text).toContain("another approver must approve");
    expect(await decisionState(demo, id)).toEqual(before);

    expect((await postDecision(link, { decision: "reject", reason: "found an issue" })).status).toBe(200);
    expect((await demo.finished(id)).status).toBe("rejected");
    expect(helmUpgrades(demo)).toBe(0);
  });
});

describe("reminders and escalation", () => {
  it("remind those still to decide after reminderAfter, escalate after escalateAfter, on the virtual clock", async () => {
    demo = await startDemo({
      scenario: BASIC,
      profile: {
        ...TWO_OF_TWO,
        escalation: [{ email: HEAD }],
        policies: { approvals: { required: 2, reminderAfter: "2m", escalateAfter: "5m", deadline: "10m" } },
      },
    });
    const d = demo;
    const { id, link } = await awaitingApproval(d, APPROVER, "2024.12.02");
    const firstSeen = new Map<string, number>();
    const record = async () => {
      for (const m of await d.mails()) if (!firstSeen.has(m.file)) firstSeen.set(m.file, d.clock.now());
    };
    await record();
    const askedAt = d.clock.now();
    expect((await postDecision(link, { decision: "approve" })).status).toBe(200);

    // Collect every mail with the virtual time it appeared, until the head of data has been asked.
    await d.app.runtime.runUntil(
      async () => {
        await record();
        return (await d.links(id, HEAD)).length > 0;
      },
      { maxVirtualMs: 15 * MINUTE },
    );
    const mails = (await d.mails()).map((m) => ({ ...m, at: firstSeen.get(m.file)! - askedAt }));
    const approvalMails = mails.filter((m) => m.subject.includes("Approval needed"));
    expect(approvalMails.map((m) => [m.to.join(","), m.subject.startsWith("Reminder"), m.at])).toEqual([
      [APPROVER, false, 0],
      [SECOND, false, 0],
      [SECOND, true, 2 * MINUTE],
      [HEAD, false, 5 * MINUTE],
    ]);

    const head = (await d.links(id, HEAD)).at(-1)!;
    expect((await postDecision(head, { decision: "approve", reason: "escalated" })).status).toBe(200);
    const run = await d.finished(id);
    expect(run.status).toBe("completed");
    expect(run.approvals.decisions.map((x) => x.approver)).toEqual([APPROVER, HEAD]);
    // The run's view shows only its newest events; the audit record keeps every one.
    const audit = (await d.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.events.some((e) => e.message === `escalated to ${HEAD}`)).toBe(true);
  });
});
