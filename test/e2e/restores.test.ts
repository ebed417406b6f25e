/**
 * The stand-alone restore of a past run's snapshot set, end to end: the real app on the local runtime against the
 * simulator. A completed data upgrade's set is restored later through `POST /api/restores` and the e-mailed
 * approval link (volumes back on the old data, release on the old chart); the route's refusals; a rejection changes
 * nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RestoreAcceptedSchema, RestoreResourceSchema } from "../../functions/openapi.js";
import type { AuditRecord } from "../../lib/audit/index.js";
import type { UpgradeResource } from "../../lib/workflow/status.js";
import { simClaims } from "../../local/sim/model/snapshots.js";
import { approve, APPROVER, REQUESTER, startDemo, type Demo, type Reply } from "./harness.js";

type Restore = UpgradeResource & { restoreOf: string };
interface ErrorReply {
  error: { code: string; message: string; details?: { runningId?: string; missing?: string[] } };
}

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const OLD_DATA = "data of 2024.12.02";

/** A completed data upgrade to 2025.05.00 (its set holds the data of 2024.12.02). */
async function upgraded(d: Demo): Promise<string> {
  const id = await d.start("2025.05.00");
  await approve(d, id);
  expect((await d.finished(id)).status).toBe("completed");
  expect(d.app.sim.state().volumes.every((v) => v.dataVersion === "Version450")).toBe(true);
  return id;
}

const askRestore = (d: Demo, runId: string, reason = "customer data corrupted after the upgrade") =>
  d.api<{ id: string; statusUri: string; toRevision: number } & ErrorReply>("POST", "/api/restores", {
    runId,
    requestedBy: REQUESTER,
    reason,
  });

const restoreOf = async (d: Demo, id: string): Promise<Restore> => {
  const reply = await d.api<Restore>("GET", `/api/restores/${id}`);
  if (reply.status !== 200) throw new Error(`GET /api/restores/${id}: ${reply.status} ${reply.text}`);
  return reply.body;
};

/** Drives the runtime until the restore satisfies `predicate`. */
async function restoreUntil(d: Demo, id: string, predicate: (r: Restore) => boolean): Promise<Restore> {
  let last: Restore | undefined;
  await d.app.runtime.runUntil(
    async () => {
      last = await restoreOf(d, id);
      return predicate(last);
    },
    { maxVirtualMs: 6 * 3_600_000, timeoutMs: 60_000 },
  );
  return last!;
}

async function decideRestore(d: Demo, id: string, decision: "approve" | "reject"): Promise<Reply<string>> {
  const waiting = await restoreUntil(d, id, (r) => r.status === "awaiting-approval" || r.finished);
  expect(waiting.status).toBe("awaiting-approval");
  const link = (await d.links(id, APPROVER)).at(-1);
  if (!link) throw new Error(`no approval link for ${id}`);
  return d.decide(link, decision, `restore ${decision}d in the e2e test`);
}

describe("POST /api/restores", () => {
  it("restores a completed data upgrade's set later, on the approvers' e-mailed approval: old data, old chart", async () => {
    demo = await startDemo();
    const runId = await upgraded(demo);
    const revisionsBefore = demo.app.sim.state().release.revisions.length;

    const started = await askRestore(demo, runId);
    expect(started.status).toBe(202);
    expect(started.body.id).toBe(`${runId}-restore`);
    expect(RestoreAcceptedSchema.safeParse(started.body).success).toBe(true);
    const id = started.body.id;

    await restoreUntil(demo, id, (r) => r.status === "awaiting-approval");
    const request = (await demo.mails()).find(
      (m) => m.headers["X-CluedIn-Upgrade-Run"] === id && m.to.includes(APPROVER),
    );
    expect(request).toBeDefined();
    expect(request!.subject).toContain(`restore from the snapshots of ${runId}`);
    for (const claim of simClaims()) expect(request!.text).toContain(`of claim ${claim.name}`);
    expect(request!.text).toContain("helm rollback to revision");

    expect((await decideRestore(demo, id, "approve")).status).toBe(200);
    const done = await restoreUntil(demo, id, (r) => r.finished);

    expect(done.status).toBe("restored");
    expect(done.restoreOf).toBe(runId);
    expect(RestoreResourceSchema.safeParse(done).success).toBe(true);
    const state = demo.app.sim.state();
    expect(state.volumes.every((v) => v.dataVersion === OLD_DATA && v.phase === "Bound")).toBe(true);
    expect(state.release.revisions.length).toBe(revisionsBefore + 1);
    expect(state.release.revisions.at(-1)).toMatchObject({
      status: "deployed",
      release: "2024.12.02",
      chart: "cluedin-platform-2.4.2",
    });

    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.outcome.status).toBe("restored");
    expect(audit.restoreOf).toMatchObject({ runId, reason: "customer data corrupted after the upgrade" });
    expect(audit.restoreOf?.revisionsSince).toEqual([]);
    expect(audit.restore).toMatchObject({ ok: true });
    expect(audit.approvals.decisions.at(-1)).toMatchObject({ kind: "approval", approver: APPROVER, choice: "approve" });
    const closing = (await demo.mails()).filter((m) => m.headers["X-CluedIn-Upgrade-Run"] === id).at(-1)!;
    expect(closing.subject).toContain(`Restored from the snapshots of ${runId}`);

    // One restore per run: the set's restore exists.
    const again = await askRestore(demo, runId);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("restore-exists");
  }, 180_000);

  it("says so in the question, the page and the audit when later runs moved the release on, and still rolls back", async () => {
    demo = await startDemo();
    const runId = await upgraded(demo);
    const later = await demo.start("2025.05.02");
    await approve(demo, later);
    expect((await demo.finished(later)).status).toBe("completed");
    const laterRevision = demo.app.sim.state().release.revisions.at(-1)!;

    const started = await askRestore(demo, runId);
    expect(started.status).toBe(202);
    const id = started.body.id;
    await restoreUntil(demo, id, (r) => r.status === "awaiting-approval");
    const request = (await demo.mails()).find((m) => m.headers["X-CluedIn-Upgrade-Run"] === id)!;
    expect(request.text).toContain(`The release has moved on since ${runId}`);
    const link = (await demo.links(id, APPROVER)).at(-1)!;
    const page = await fetch(`${demo.app.baseUrl}/api/approvals/view`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: decodeURIComponent(new URL(link).hash.slice(1)) }).toString(),
    });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(`Approve the restore of demo from the snapshots of ${runId}?`);
    for (const claim of simClaims()) expect(html).toContain(claim.name);
    expect(html).toContain("The release has moved on since");

    expect((await decideRestore(demo, id, "approve")).status).toBe(200);
    expect((await restoreUntil(demo, id, (r) => r.finished)).status).toBe("restored");
    expect(demo.app.sim.state().release.revisions.at(-1)).toMatchObject({
      status: "deployed",
      chart: "cluedin-platform-2.4.2",
    });
    expect(demo.app.sim.state().volumes.every((v) => v.dataVersion === OLD_DATA)).toBe(true);
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.restoreOf?.revisionsSince.map((r) => r.revision)).toContain(laterRevision.revision);
    const markdown = await demo.api("GET", `/api/upgrades/${id}/audit?format=md`);
    expect(markdown.text).toContain(`Restore of ${runId}`);
    expect(markdown.text).toContain("The release had moved on since");
  }, 180_000);

  it("refuses an unknown run, a run without a set, a duplicate and a cluster another run holds", async () => {
    demo = await startDemo();
    const unknown = await askRestore(demo, "demo-20200101t000000z-abcdef");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("unknown-upgrade");
    const invalid = await demo.api<ErrorReply>("POST", "/api/restores", { runId: "demo-20200101t000000z-abcdef" });
    expect(invalid.status).toBe(400);

    // A run rejected at its approval never took a set.
    const basic = await demo.start("2025.05.00");
    await demo.until(basic, (r) => r.status === "awaiting-approval");
    const running = await askRestore(demo, basic);
    expect(running.status).toBe(409);
    expect(running.body.error.code).toBe("upgrade-running");
    await demo.decide((await demo.links(basic, APPROVER)).at(-1)!, "reject", "not now");
    expect((await demo.finished(basic)).status).toBe("rejected");
    const noSet = await askRestore(demo, basic);
    expect(noSet.status).toBe(409);
    expect(noSet.body.error.code).toBe("no-snapshot-set");

    const runId = await upgraded(demo);
    const first = await askRestore(demo, runId);
    expect(first.status).toBe(202);
    const duplicate = await askRestore(demo, runId);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe("restore-running");
    // The restore holds the cluster: an upgrade is refused naming it.
    const upgrade = await demo.api<ErrorReply>("POST", "/api/upgrades", {
      cluster: "demo",
      targetRelease: "2025.05.02",
      requestedBy: REQUESTER,
    });
    expect(upgrade.status).toBe(409);
    expect(upgrade.body.error.details?.runningId).toBe(first.body.id);
  }, 180_000);

  it("refuses while another run holds the cluster's lock, naming it", async () => {
    demo = await startDemo();
    const runId = await upgraded(demo);
    const other = await demo.start("2025.05.02");
    const held = await askRestore(demo, runId);
    expect(held.status).toBe(409);
    expect(held.body.error.code).toBe("upgrade-running");
    expect(held.body.error.details?.runningId).toBe(other);
  }, 180_000);

  it("answers 410 for a set retention deleted from the cluster since", async () => {
    demo = await startDemo({
      scenario: { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } },
      profile: { policies: { snapshots: "required", snapshotRetention: 1 } },
    });
    const first = await demo.start("2024.12.02");
    await approve(demo, first);
    expect((await demo.finished(first)).status).toBe("completed");
    const second = await demo.start("2025.05.00");
    await approve(demo, second);
    expect((await demo.finished(second)).status).toBe("completed");
    const gone = await askRestore(demo, first);
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe("snapshot-set-deleted");
    expect(gone.body.error.details?.missing).toHaveLength(simClaims().length);
    expect((await askRestore(demo, second)).status).toBe(202);
  }, 180_000);

  it("a rejected restore changes nothing", async () => {
    demo = await startDemo();
    const runId = await upgraded(demo);
    const before = demo.app.sim.state();
    const started = await askRestore(demo, runId);
    expect(started.status).toBe(202);
    expect((await decideRestore(demo, started.body.id, "reject")).status).toBe(200);
    const done = await restoreUntil(demo, started.body.id, (r) => r.finished);
    expect(done.status).toBe("rejected");
    const after = demo.app.sim.state();
    expect(after.volumes).toEqual(before.volumes);
    expect(after.release.revisions).toEqual(before.release.revisions);
    expect(after.volumes.every((v) => v.dataVersion === "Version450")).toBe(true);
  }, 180_000);
});
