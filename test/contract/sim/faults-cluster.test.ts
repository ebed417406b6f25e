import type { ContainerServiceClient } from "@azure/arm-containerservice";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { armClient, kubeConfig, rawRequest } from "./clients.js";
import { runOnCluster, startTestSimulator, type TestSimulator } from "./harness.js";

const DU = { group: "api.cluedin.com", version: "v1", plural: "dataupgrades", namespace: "cluedin" } as const;
const VALUES = { "values.yaml": 'global:\n  image:\n    tag: "2025.05.00"\n' };
const UPGRADE =
  "helm upgrade cluedin-platform cluedin-platform --repo https://cluedin-io.github.io/Charts/ -n cluedin --version 2.5.0 -f values.yaml --wait --timeout 10m0s";

type Queue = { name: string; messages: number; consumers: number };

describe("cluster faults, observed through the real clients", () => {
  let t: TestSimulator;
  let core: CoreV1Api;
  let aks: ContainerServiceClient;
  const serverPod = async (): Promise<string> =>
    (await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" })).items.find(
      (p) => !p.metadata?.deletionTimestamp,
    )?.metadata?.name ?? "";
  const queues = async (): Promise<Queue[]> =>
    JSON.parse(
      (
        await runOnCluster(
          aks,
          t,
          "kubectl exec cluedin-rabbitmq-0 -n cluedin -- rabbitmqctl list_queues name messages consumers --formatter json -q",
        )
      ).logs ?? "",
    ) as Queue[];
  const createDataUpgrade = (name: string) =>
    kubeConfig(t.sim)
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({
        ...DU,
        body: {
          apiVersion: "api.cluedin.com/v1",
          kind: "DataUpgrade",
          metadata: { name },
          spec: { toVersion: "Version450" },
        },
      });
  const dataUpgradePhase = async (name: string): Promise<string | undefined> =>
    (
      (await kubeConfig(t.sim)
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...DU, name })) as { status?: { phase?: string } }
    ).status?.phase;

  beforeEach(async () => {
    t = await startTestSimulator();
    core = kubeConfig(t.sim).makeApiClient(CoreV1Api);
    aks = armClient(t.sim);
  });
  afterEach(() => t.close());

  it("crashLoop: the pod goes to CrashLoopBackOff with growing restarts, and recovers when cleared", async () => {
    t.sim.setFaults({ crashLoop: ["cluedin-server"] });
    t.clock.advanceBy(3 * 60_000);
    const [pod] = (await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" }))
      .items;
    const status = pod?.status?.containerStatuses?.[0];
    expect(status?.ready).toBe(false);
    expect(status?.restartCount).toBeGreaterThanOrEqual(2);
    expect(t.sim.state().pods.find((p) => p.workload === "cluedin-server")?.status).toMatch(/CrashLoopBackOff|Running/);
    const previous = await core.readNamespacedPodLog({
      name: pod?.metadata?.name ?? "",
      namespace: "cluedin",
      previous: true,
    });
    expect(previous).toMatch(/FTL\]\[CluedIn\.Server\.Program\] Host terminated unexpectedly/);
    const events = await core.listNamespacedEvent({
      namespace: "cluedin",
      fieldSelector: `involvedObject.name=${pod?.metadata?.name ?? ""}`,
    });
    expect(events.items.some((e) => e.reason === "BackOff" && e.type === "Warning")).toBe(true);
    t.sim.setFaults({ crashLoop: [] });
    t.clock.advanceBy(10 * 60_000);
    expect(t.sim.state().pods.find((p) => p.workload === "cluedin-server")).toMatchObject({
      status: "Running",
      ready: true,
    });
  });

  it("crashLoopAfterUpgrade: the upgrade times out on a crash-looping server; a rollback heals it", async () => {
    t.sim.setFaults({ crashLoopAfterUpgrade: ["cluedin-server"] });
    expect(t.sim.state().pods.find((p) => p.workload === "cluedin-server")?.ready).toBe(true);
    const upgrade = await runOnCluster(aks, t, UPGRADE, { files: VALUES, stepMs: 20_000 });
    expect(upgrade).toMatchObject({ exitCode: 1, logs: "Error: UPGRADE FAILED: context deadline exceeded\n" });
    const server = t.sim.state().pods.find((p) => p.workload === "cluedin-server");
    expect(server).toMatchObject({ ready: false, image: expect.stringContaining(":2025.05.00") });
    expect(server?.restarts).toBeGreaterThan(0);
    const rollback = await runOnCluster(aks, t, "helm rollback cluedin-platform -n cluedin --wait --timeout 10m0s", {
      stepMs: 20_000,
    });
    expect(rollback.exitCode).toBe(0);
    expect(t.sim.state().pods.find((p) => p.workload === "cluedin-server")).toMatchObject({
      ready: true,
      image: expect.stringContaining(":2024.12.02"),
    });
    expect(t.sim.state().release.revisions.map((r) => r.status)).toEqual([
      "superseded",
      "superseded",
      "superseded",
      "failed",
      "deployed",
    ]);
  });

  it("dataUpgrade never: the call never answers, the resource stays Running", async () => {
    t.sim.setFaults({ dataUpgrade: "never" });
    await createDataUpgrade("data-upgrade-450");
    t.clock.advanceBy(60 * 60_000);
    expect(await dataUpgradePhase("data-upgrade-450")).toBe("Running");
    const log = await core.readNamespacedPodLog({ name: await serverPod(), namespace: "cluedin" });
    expect(log).toContain("Performing Upgrade Scenario");
    expect(log).not.toContain("/api/upgradeto/Version450 responded");
  });

  it("dataUpgrade error: the server answers 500 and the resource fails with a message", async () => {
    t.sim.setFaults({ dataUpgrade: { mode: "error", count: 1 } });
    await createDataUpgrade("data-upgrade-450");
    t.clock.advanceBy(10 * 60_000);
    const object = (await kubeConfig(t.sim)
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ ...DU, name: "data-upgrade-450" })) as {
      status: { phase: string; message: string };
    };
    expect(object.status).toMatchObject({ phase: "Failed", message: "POST /api/upgradeto/Version450 responded 500" });
    const log = await core.readNamespacedPodLog({ name: await serverPod(), namespace: "cluedin" });
    expect(log).toMatch(/ERR\] HTTP POST \/api\/upgradeto\/Version450 responded 500/);
    await createDataUpgrade("data-upgrade-450-retry");
    t.clock.advanceBy(10 * 60_000);
    expect(await dataUpgradePhase("data-upgrade-450-retry")).toBe("Succeeded");
  });

  it("queues drain by default; queuesStuck keeps them, deadLetterGrowth grows the dead-letter queues", async () => {
    const before = await queues();
    expect(before.find((q) => q.name === "ingestion-data-set")?.messages).toBeGreaterThan(0);
    t.clock.advanceBy(2 * 60_000);
    expect((await queues()).find((q) => q.name === "ingestion-data-set")?.messages).toBe(0);

    await t.sim.reset({
      queues: { "ingestion-data-set": 5_000 },
      faults: { queuesStuck: true, deadLetterGrowth: true },
    });
    const stuck = await queues();
    t.clock.advanceBy(30 * 60_000);
    const later = await queues();
    expect(later.find((q) => q.name === "ingestion-data-set")).toEqual({
      name: "ingestion-data-set",
      messages: 5_000,
      consumers: 0,
    });
    expect(later.find((q) => q.name === "DeadLetterCommands")?.messages).toBeGreaterThan(
      stuck.find((q) => q.name === "DeadLetterCommands")?.messages ?? Infinity,
    );
  });

  it("serverLogErrors: ERR and FTL lines in the recent server log", async () => {
    const clean = await core.readNamespacedPodLog({ name: await serverPod(), namespace: "cluedin", sinceSeconds: 600 });
    expect(clean).not.toMatch(/ (ERR|FTL)\]/);
    t.sim.setFaults({ serverLogErrors: true });
    const dirty = await core.readNamespacedPodLog({ name: await serverPod(), namespace: "cluedin", sinceSeconds: 600 });
    expect(dirty).toMatch(/ ERR\]\[/);
    expect(dirty).toMatch(/ FTL\]\[/);
  });

  it("ui: 200 when cluedin-ui is ready, slow with the slow fault, 503 when dead or scaled to zero", async () => {
    const ok = await rawRequest(t.sim.uiUrl);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('content="2024.12.02"');
    t.sim.setFaults({ ui: { mode: "slow", delayMs: 400 } });
    const started = Date.now();
    expect((await rawRequest(t.sim.uiUrl)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    t.sim.setFaults({ ui: "dead" });
    expect((await rawRequest(t.sim.uiUrl)).status).toBe(503);
    t.sim.setFaults({ ui: null });
    const upgrade = await runOnCluster(aks, t, `${UPGRADE} --set application.system.upgradeMode=true`, {
      files: VALUES,
    });
    expect(upgrade.exitCode).toBe(0);
    expect((await rawRequest(t.sim.uiUrl)).status).toBe(503);
  });
});
