import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, REQUESTER, startDemo, type Demo } from "./harness.js";
import { approveGate, BASIC, helmUpgrades, readWave, startWave, states, TARGET, untilWave } from "./fleet-harness.js";

let demo: Demo | undefined;

/** The CLI as an operator runs it, against the demo's app. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const bin = path.resolve("cli/bin.mjs");
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "--url", demo!.app.baseUrl, ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "" };
  }
}
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const ALL_ONCE = {
  demo: 1,
  "demo-dev-2": 1,
  "demo-staging-1": 1,
  "demo-staging-2": 1,
  "demo-prod-1": 1,
  "demo-prod-2": 1,
};

describe("a fleet wave, end to end", () => {
  it("demo strategy: dev, soak, staging, health, prod behind its e-mailed approval, completed", async () => {
    demo = await startDemo({ fleet: true, scenario: BASIC });
    const dry = await demo.api<{ stages: { clusters: { name: string; order: number }[] }[] }>("POST", "/api/waves", {
      strategy: "demo",
      targetRelease: TARGET,
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.body.stages.flatMap((s) => s.clusters.map((c) => c.name))).toEqual(Object.keys(ALL_ONCE));

    const id = await startWave(demo);
    const atGate = await untilWave(demo, id, (w) => w.waiting.length > 0 || w.finished);
    expect(atGate.status).toBe("awaiting-approval");
    expect(states(atGate, "dev")).toEqual(["demo:succeeded", "demo-dev-2:succeeded"]);
    expect(states(atGate, "staging")).toEqual(["demo-staging-1:succeeded", "demo-staging-2:succeeded"]);
    expect(states(atGate, "prod")).toEqual(["demo-prod-1:waiting", "demo-prod-2:waiting"]);
    expect(atGate.gates.find((g) => g.type === "health")).toMatchObject({ state: "passed" });
    expect(atGate.waiting[0]).toMatchObject({ stage: "prod", approvers: ["approver@contoso.example"] });
    expect(helmUpgrades(demo)).toMatchObject({ "demo-prod-1": 0, "demo-prod-2": 0 });
    const plan = await cli("wave", "plan", "demo", TARGET);
    expect(plan.stdout).toMatch(/ {2}1\. demo +\S+ → \S+ +approval: start/);
    expect(plan.stdout).toContain("gate before: approval by 1 of approver@contoso.example");
    const status = await cli("wave", "status", id);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("waiting: approval before prod: approver@contoso.example must act");

    await approveGate(demo, atGate);
    const done = await untilWave(demo, id, (w) => w.finished);
    expect(done.status).toBe("completed");
    expect(helmUpgrades(demo)).toEqual(ALL_ONCE);
    const prodRun = done.stages.find((s) => s.name === "prod")!.clusters[0]!.runId!;
    const run = await demo.run(prodRun);
    expect(run.status).toBe("completed");
    expect(run.stages.find((s) => s.name === "approval")?.note).toContain("pre-approved by wave gate prod");
    const list = await demo.api<{ items: { id: string; status: string }[] }>("GET", "/api/waves");
    expect(list.body.items).toEqual([expect.objectContaining({ id, status: "completed" })]);
    const page = await demo.api("GET", `/api/dashboard/waves/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("demo-prod-2");
  });

  it("a staging failure with no failure budget fails the wave before prod; retry completes it", async () => {
    demo = await startDemo({ fleet: true, scenario: BASIC });
    demo.app.fleet!.sims.get("demo-staging-1")!.setFaults({ crashLoop: ["cluedin-server"] });
    const id = await startWave(demo);
    const failed = await untilWave(demo, id, (w) => w.status === "failed" || w.finished);
    expect(failed.status).toBe("failed");
    expect(states(failed, "staging")).toContain("demo-staging-1:failed");
    expect(states(failed, "prod")).toEqual(["demo-prod-1:waiting", "demo-prod-2:waiting"]);
    expect(failed.gates.some((g) => g.stage === "prod")).toBe(false);
    expect(helmUpgrades(demo)).toMatchObject({ "demo-staging-1": 0, "demo-prod-1": 0, "demo-prod-2": 0 });

    // The operator fixes the server and lets its pods come back before retrying.
    demo.app.fleet!.sims.get("demo-staging-1")!.setFaults({ crashLoop: [] });
    demo.clock.advanceBy(10 * 60_000);
    expect((await demo.api("POST", `/api/waves/${id}/resume`)).status).toBe(409);
    expect((await demo.api("POST", `/api/waves/${id}/retry`, { reason: "server fixed" })).status).toBe(202);
    await untilWave(demo, id, (w) => w.status !== "failed");
    const atGate = await untilWave(demo, id, (w) => w.waiting.length > 0 || w.finished || w.status === "failed");
    const retried = atGate.stages
      .find((s) => s.name === "staging")!
      .clusters.find((c) => c.cluster === "demo-staging-1")!;
    expect(retried).toMatchObject({ state: "succeeded" });
    expect(retried.runId).toMatch(/01$/);
    await approveGate(demo, atGate);
    const done = await untilWave(demo, id, (w) => w.finished);
    expect(done.status).toBe("completed");
    expect(helmUpgrades(demo)).toEqual(ALL_ONCE);
  });

  it("stop, then resume across an app restart: running upgrades finish, no cluster is upgraded twice", async () => {
    demo = await startDemo({ fleet: true, scenario: BASIC });
    const id = await startWave(demo);
    await untilWave(demo, id, (w) => states(w, "dev").some((s) => s.endsWith(":running")));
    expect((await demo.api("POST", `/api/waves/${id}/stop`, { reason: "change freeze" })).status).toBe(202);
    const stopped = await untilWave(demo, id, (w) => w.status === "stopped" || w.finished);
    expect(stopped.status).toBe("stopped");
    expect(states(stopped, "staging")).toEqual(["demo-staging-1:waiting", "demo-staging-2:waiting"]);

    await demo.app.restartRuntime();
    expect((await readWave(demo, id)).status).toBe("stopped");
    expect((await demo.api("POST", `/api/waves/${id}/resume`, { reason: "freeze lifted" })).status).toBe(202);
    const atGate = await untilWave(demo, id, (w) => w.waiting.length > 0 || w.finished);
    await approveGate(demo, atGate);
    const done = await untilWave(demo, id, (w) => w.finished);
    expect(done.status).toBe("completed");
    expect(helmUpgrades(demo)).toEqual(ALL_ONCE);
  });

  it("routes answer 4xx with machine-readable bodies; a skip is applied and audited with its reason", async () => {
    demo = await startDemo({ fleet: true, scenario: BASIC });
    const code = async (method: string, route: string, body?: unknown) => {
      const reply = await demo!.api<{ error?: { code: string } }>(method, route, body);
      return `${reply.status} ${reply.body.error?.code ?? ""}`.trim();
    };
    expect(await code("POST", "/api/waves", {})).toBe("400 invalid-request");
    expect(await code("POST", "/api/waves", { strategy: "nope", targetRelease: TARGET })).toBe("404 unknown-strategy");
    expect(await code("POST", "/api/waves", { strategy: "demo", targetRelease: "2031.01.00" })).toBe(
      "400 unknown-release",
    );
    expect(await code("GET", "/api/waves/not-a-wave")).toBe("400 invalid-id");
    expect(await code("GET", "/api/waves/wave-20260101t000000z-abcdef")).toBe("404 unknown-wave");

    const id = await startWave(demo);
    expect(await code("POST", `/api/waves/${id}/skip`, { target: { kind: "cluster", name: "demo-staging-2" } })).toBe(
      "400 invalid-request",
    );
    expect(
      await code("POST", `/api/waves/${id}/skip`, { target: { kind: "cluster", name: "elsewhere" }, reason: "x" }),
    ).toBe("404 unknown-target");
    expect(await code("POST", `/api/waves/${id}/resume`)).toBe("409 wave-state");
    expect(
      await code("POST", `/api/waves/${id}/skip`, {
        target: { kind: "cluster", name: "demo-staging-2" },
        reason: "customer asked to stay on 2024.12.01",
        by: "Ops",
      }),
    ).toBe("202");
    const atGate = await untilWave(demo, id, (w) => w.waiting.length > 0 || w.finished);
    expect(states(atGate, "staging")).toEqual(["demo-staging-1:succeeded", "demo-staging-2:skipped"]);
    await approveGate(demo, atGate);
    const done = await untilWave(demo, id, (w) => w.finished);
    expect(done.status).toBe("completed");
    expect(helmUpgrades(demo)).toEqual({ ...ALL_ONCE, "demo-staging-2": 0 });
    expect(await code("POST", `/api/waves/${id}/retry`)).toBe("409 wave-state");

    const audit = await demo.api<{
      status: string;
      controls: { action: string; reason?: string }[];
      stages: { stage: string; clusters: { cluster: string; state: string; auditUri?: string }[] }[];
    }>("GET", `/api/waves/${id}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.body.status).toBe("completed");
    expect(audit.body.controls).toEqual([
      expect.objectContaining({ action: "skip", reason: "customer asked to stay on 2024.12.01" }),
    ]);
    const prod = audit.body.stages.find((s) => s.stage === "prod")!.clusters[0]!;
    expect(prod.auditUri).toMatch(/^\/api\/upgrades\/demo-prod-1-.*\/audit$/);
    expect((await demo.api("GET", prod.auditUri!)).status).toBe(200);
  });

  it("shares the one-run-per-cluster rule: a busy cluster waits for the single upgrade; a single start on a wave's cluster is refused", async () => {
    demo = await startDemo({ fleet: true, scenario: BASIC });
    const single = await demo.start(TARGET, { cluster: "demo-dev-2" });
    await demo.until(single, (r) => r.status === "awaiting-approval");
    const id = await startWave(demo);
    const waiting = await untilWave(demo, id, (w) => states(w, "dev").includes("demo:succeeded"));
    expect(states(waiting, "dev")).toEqual(["demo:succeeded", "demo-dev-2:running"]);
    expect(helmUpgrades(demo)["demo-dev-2"]).toBe(0);

    const [link] = await demo.links(single, APPROVER);
    expect((await demo.decide(link!, "reject", "the fleet wave will do it")).status).toBe(200);
    const staging = await untilWave(demo, id, (w) => states(w, "staging").includes("demo-staging-1:running"));
    expect(states(staging, "dev")).toEqual(["demo:succeeded", "demo-dev-2:succeeded"]);
    const refused = await demo.api<{ error: { code: string } }>("POST", "/api/upgrades", {
      cluster: "demo-staging-1",
      targetRelease: TARGET,
      requestedBy: REQUESTER,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("upgrade-running");
    const atGate = await untilWave(demo, id, (w) => w.waiting.length > 0 || w.finished);
    await approveGate(demo, atGate);
    expect((await untilWave(demo, id, (w) => w.finished)).status).toBe("completed");
    expect(helmUpgrades(demo)).toEqual(ALL_ONCE);
  });
});
