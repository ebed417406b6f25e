import type { AuditRecord } from "../../lib/audit/index.js";
import { afterEach, describe, expect, it } from "vitest";
import { approve, REQUESTER, startDemo, type Demo } from "./harness.js";

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const upgrades = (d: Demo) => d.app.sim.state().helmOperations.filter((op) => op.kind === "upgrade");

describe("an upgrade, end to end", () => {
  it("basic upgrade 2024.12.01 -> 2024.12.02: the page's steps, then one helm upgrade with its flags, verified, notified", async () => {
    demo = await startDemo({
      scenario: { release: { name: "cluedin-platform", namespace: "cluedin", current: "2024.12.01" } },
    });
    const id = await demo.start("2024.12.02");
    await approve(demo, id);
    const run = await demo.finished(id);

    expect(run.status).toBe("completed");
    expect(run.mode).toBe("basic");
    expect(run.stages.map((s) => s.name)).toEqual([
      "read-values",
      "prepare-values",
      "pre-checks",
      "approval",
      // Orchestration 2.3: the target's images pulled onto the nodes before the downtime (profile default best-effort).
      "pre-pull",
      "downtime-notice",
      "before-helm",
      "helm-upgrade",
      "verify",
      "notify",
    ]);
    const state = demo.app.sim.state();
    const ops = upgrades(demo);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.chart).toContain("2.4.2");
    // docs/190-paas-operations/upgrade/210-upgrade-20241202.md: `--values ... --wait --timeout 10m0s`, no --set;
    // a basic upgrade adds upgradeMode=false so a stale flag in the values cannot survive.
    expect(ops[0]!.set).toEqual(["application.system.upgradeMode=false"]);
    expect(ops[0]!.flags).toContain("--wait");

    // The page's procedure, in its order, all before the Helm upgrade: the node-exporter DaemonSet, the ten
    // monitoring CRDs deleted, the ten v0.79.0 CRDs applied server-side.
    const journal = demo.app.sim.journal().filter((e) => e.outcome === "ok");
    const steps = journal.map((e) => `${e.actor} ${e.verb} ${e.resource} ${e.name}`);
    const helmAt = steps.findIndex((e) => e.startsWith("helm upgrade"));
    const dsAt = steps.indexOf("kubectl delete daemonsets.apps cluedin-prometheus-node-exporter");
    const crdDeletes = journal.flatMap((e, i) =>
      e.actor === "kubectl" && e.verb === "delete" && e.resource.startsWith("customresourcedefinitions") ? [i] : [],
    );
    const crdApplies = journal.flatMap((e, i) =>
      e.verb === "apply" && e.detail?.includes("prometheus-operator/v0.79.0/example/prometheus-operator-crd/")
        ? [i]
        : [],
    );
    expect(dsAt).toBeGreaterThanOrEqual(0);
    expect(crdDeletes).toHaveLength(10);
    expect(crdApplies).toHaveLength(10);
    expect(Math.max(dsAt, ...crdDeletes)).toBeLessThan(Math.min(...crdApplies));
    expect(Math.max(...crdApplies)).toBeLessThan(helmAt);
    const audit = (await demo.api<AuditRecord>("GET", `/api/upgrades/${id}/audit`)).body;
    expect(audit.procedure?.map((s) => s.outcome)).toEqual(Array(21).fill("done"));

    const last = state.release.revisions.at(-1)!;
    expect(last).toMatchObject({ status: "deployed", release: "2024.12.02" });
    expect(state.pods.every((p) => p.ready || p.phase === "Succeeded")).toBe(true);
    expect(run.approvals.decisions).toEqual([
      expect.objectContaining({
        approver: "approver@contoso.example",
        choice: "approve",
        reason: "change CHG-1234 approved",
      }),
    ]);
    const subjects = (await demo.mails()).map((m) => m.subject);
    expect(subjects.some((s) => s.includes("Approval needed"))).toBe(true);
    expect(subjects.some((s) => s.includes("downtime"))).toBe(true);
    expect(subjects.some((s) => s.includes("completed"))).toBe(true);
    const completed = (await demo.mails()).find((m) => m.subject.includes("completed"))!;
    expect(completed.text).toContain("From 2024.12.01 (chart 2.4.1) to 2024.12.02 (chart 2.4.2)");
    expect(completed.text).toContain("Approved by approver@contoso.example");
    expect(completed.text).toMatch(/\d+ minute\(s\) from request to end/);
  });

  it("data upgrade 2024.12.02 -> 2025.05.00: upgrade mode, DataUpgrade answered 200, flags back off", async () => {
    demo = await startDemo();
    const id = await demo.start("2025.05.00");
    await approve(demo, id);
    const run = await demo.finished(id);

    expect(run.status).toBe("completed");
    expect(run.mode).toBe("data-upgrade");
    const ops = upgrades(demo);
    expect(ops).toHaveLength(2);
    expect(ops[0]!.set.join(" ")).toContain("application.system.upgradeMode=true");
    expect(ops[1]!.set.join(" ")).toContain("application.system.upgradeMode=false");
    expect(ops[1]!.set.join(" ")).toContain("application.system.runDatabaseJobsOnUpgrade=false");
    expect(ops[1]!.set.join(" ")).toContain("application.system.runNugetFullRestore=false");
    const state = demo.app.sim.state();
    expect(state.dataUpgradeCreations).toHaveLength(1);
    expect(state.dataUpgrades[0]).toMatchObject({ name: "data-upgrade-450", toVersion: "Version450" });
    expect(state.workloads.every((w) => !w.upgradeMode)).toBe(true);
    expect(state.ui.ready).toBe(true);
    expect(state.release.revisions.at(-1)).toMatchObject({ status: "deployed", release: "2025.05.00" });
    expect(run.stages.find((s) => s.name === "data-upgrade")?.note).toContain("responded 200");
  });

  it("refuses a second start for the same cluster with 409 naming the running upgrade, and keeps both histories apart", async () => {
    demo = await startDemo();
    const body = { cluster: "demo", targetRelease: "2025.05.00", requestedBy: REQUESTER };
    const [a, b] = await Promise.all([
      demo.api("POST", "/api/upgrades", body),
      demo.api("POST", "/api/upgrades", body),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const accepted = (a.status === 202 ? a : b).body as { id: string };
    const refused = (a.status === 409 ? a : b).body as { error: { code: string; details: { runningId: string } } };
    expect(refused.error.code).toBe("upgrade-running");
    expect(refused.error.details.runningId).toBe(accepted.id);
    // The host gave the loser no 409 (a 500, or a 202 whose start it dropped): the app read the lock back.
    await demo.until(accepted.id, (r) => r.status === "awaiting-approval");
    const upgrades = (await demo.app.runtime.list()).filter((s) => s.name === "upgrade");
    expect(upgrades.map((s) => s.instanceId)).toEqual([accepted.id]);
  });

  it("answers 409 to a start while one runs, though the host refuses the lock's second start with HTTP 500", async () => {
    demo = await startDemo();
    const body = { cluster: "demo", targetRelease: "2025.05.00", requestedBy: REQUESTER };
    const first = await demo.api<{ id: string }>("POST", "/api/upgrades", body);
    expect(first.status).toBe(202);
    const direct = await fetch(
      `${demo.app.baseUrl}/runtime/webhooks/durabletask/orchestrators/clusterLock/lock-demo?code=${demo.app.runtime.systemKey}`,
      { method: "POST", body: "{}", headers: { "content-type": "application/json" } },
    );
    expect(direct.status).toBe(500);
    const second = await demo.api<{ error: { code: string; details: { runningId: string } } }>(
      "POST",
      "/api/upgrades",
      body,
    );
    expect(second.status).toBe(409);
    expect(second.body.error.details.runningId).toBe(first.body.id);
  });
});
