import { ApiException, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLANTED_SECRETS } from "../../../local/sim/index.js";
import { kubeConfig } from "./clients.js";
import { decodeRelease, startTestSimulator, type TestSimulator } from "./harness.js";

const DU = { group: "api.cluedin.com", version: "v1", plural: "dataupgrades" } as const;

function dataUpgrade(name: string, toVersion: unknown): Record<string, unknown> {
  return {
    apiVersion: "api.cluedin.com/v1",
    kind: "DataUpgrade",
    metadata: { name, labels: { app: "cluedin", release: "cluedin-platform" } },
    spec: { toVersion },
  };
}

async function apiError(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiException);
    const e = error as ApiException<unknown>;
    const body = (typeof e.body === "string" ? JSON.parse(e.body) : (e.body ?? {})) as Record<string, unknown>;
    return { code: e.code, body, message: e.message };
  }
  throw new Error("expected the call to fail");
}

describe("simulated API server through @kubernetes/client-node", () => {
  let t: TestSimulator;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    t = await startTestSimulator();
    core = kubeConfig(t.sim).makeApiClient(CoreV1Api);
    custom = kubeConfig(t.sim).makeApiClient(CustomObjectsApi);
  });
  afterAll(() => t.close());

  it("lists the CluedIn pods healthy, with label and field selectors", async () => {
    const all = await core.listNamespacedPod({
      namespace: "cluedin",
      labelSelector: "app.kubernetes.io/instance=cluedin-platform",
    });
    const names = all.items.map((p) => p.metadata?.name ?? "");
    for (const prefix of [
      "cluedin-server-",
      "cluedin-ui-",
      "cluedin-gql-",
      "cluedin-rabbitmq-0",
      "init-cluedin-job-",
    ]) {
      expect(
        names.some((n) => n.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    for (const pod of all.items) {
      const phase = pod.status?.phase;
      expect(
        phase === "Succeeded" || (phase === "Running" && pod.status?.containerStatuses?.[0]?.ready === true),
        pod.metadata?.name,
      ).toBe(true);
    }
    const server = await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" });
    expect(server.items).toHaveLength(1);
    expect(server.items[0]?.spec?.containers[0]?.image).toBe(
      "cluedinprod.azurecr.io/cluedin/cluedin-server:2024.12.02",
    );
    expect(server.items[0]?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const completed = await core.listNamespacedPod({ namespace: "cluedin", fieldSelector: "status.phase=Succeeded" });
    expect(completed.items.map((p) => p.metadata?.labels?.["job-name"]).sort()).toEqual([
      "init-cluedin-job",
      "init-neo4j-job",
      "init-sqlserver-job",
    ]);
    const none = await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app in (nothing)" });
    expect(none.items).toEqual([]);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it("answers bad selectors, unknown pods and bad tokens with Status bodies", async () => {
    const badField = await apiError(core.listNamespacedPod({ namespace: "cluedin", fieldSelector: "spec.bogus=1" }));
    expect(badField.code).toBe(400);
    expect(badField.body.message).toBe("field label not supported: spec.bogus");
    const badLabel = await apiError(core.listNamespacedPod({ namespace: "cluedin", labelSelector: "a in (b" }));
    expect(badLabel.code).toBe(400);
    const missing = await apiError(core.readNamespacedPod({ name: "nope", namespace: "cluedin" }));
    expect(missing.code).toBe(404);
    expect(missing.body).toEqual(
      expect.objectContaining({
        kind: "Status",
        status: "Failure",
        reason: "NotFound",
        message: 'pods "nope" not found',
        code: 404,
      }),
    );
    const stranger = kubeConfig(t.sim, "not-the-token").makeApiClient(CoreV1Api);
    const denied = await apiError(stranger.listNamespacedPod({ namespace: "cluedin" }));
    expect(denied.code).toBe(401);
    expect(denied.message).toContain("Unauthorized");
  });

  it("serves server logs in CluedIn's format with tailLines, sinceSeconds and timestamps", async () => {
    const [server] = (await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" }))
      .items;
    const name = server?.metadata?.name ?? "";
    const all = await core.readNamespacedPodLog({ name, namespace: "cluedin" });
    expect(all).toMatch(
      /^\[#\d{3} \d\d:\d\d:\d\d INF\]\[CluedIn\.Server\.Program\] Starting CluedIn Server 2024\.12\.02$/m,
    );
    expect(all).toContain("Application started");
    expect(all).not.toMatch(/ (ERR|FTL)\]/);
    const tail = await core.readNamespacedPodLog({ name, namespace: "cluedin", tailLines: 2, timestamps: true });
    const lines = tail.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^2026-01-05T0\d:\d\d:\d\d\.\d{9}Z \[#\d{3} /);
    const recent = await core.readNamespacedPodLog({ name, namespace: "cluedin", sinceSeconds: 600 });
    expect(recent).not.toContain("Application started");
    const wrongContainer = await apiError(
      core.readNamespacedPodLog({ name, namespace: "cluedin", container: "sidecar" }),
    );
    expect(wrongContainer.code).toBe(400);
    const previous = await apiError(core.readNamespacedPodLog({ name, namespace: "cluedin", previous: true }));
    expect(previous.body.message).toContain("previous terminated container");
  });

  it("keeps Helm's release history in real release Secrets", async () => {
    const secrets = await core.listNamespacedSecret({
      namespace: "cluedin",
      labelSelector: "owner=helm,name=cluedin-platform",
    });
    expect(secrets.items.map((s) => s.type)).toEqual([
      "helm.sh/release.v1",
      "helm.sh/release.v1",
      "helm.sh/release.v1",
    ]);
    const releases = secrets.items.map(decodeRelease).sort((a, b) => a.version - b.version);
    expect(
      releases.map((r) => [r.version, r.info.status, r.chart.metadata.version, r.chart.metadata.appVersion]),
    ).toEqual([
      [1, "superseded", "2.3.2", "2024.07"],
      [2, "superseded", "2.4.1", "2024.12"],
      [3, "deployed", "2.4.2", "2024.12"],
    ]);
    const labels = secrets.items.find((s) => s.metadata?.name === "sh.helm.release.v1.cluedin-platform.v3")?.metadata
      ?.labels;
    expect(labels).toMatchObject({ name: "cluedin-platform", owner: "helm", status: "deployed", version: "3" });
    expect(labels?.createdAt).toMatch(/^\d{10}$/);
    const config = JSON.stringify(releases[2]?.config);
    expect(releases[2]?.config).toMatchObject({
      global: { image: { tag: "2024.12.02" } },
      application: { cluedin: { image: { tag: "2024.12.02" } } },
    });
    expect(config).toContain("Contoso.Enrichment");
    expect(config).toContain(PLANTED_SECRETS.rabbitmqPassword);
    expect(config).toContain(PLANTED_SECRETS.emailPassword);
    expect(config).toContain(PLANTED_SECRETS.sqlDataProtectionPassword);
    const denied = await apiError(
      core.createNamespacedSecret({ namespace: "cluedin", body: { metadata: { name: "x" } } }),
    );
    expect(denied.code).toBe(403);
  });

  it("runs a DataUpgrade: status and server log lines follow as the virtual clock moves", async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...DU,
      namespace: "cluedin",
      body: dataUpgrade("data-upgrade-450", "Version450"),
    })) as {
      metadata: { uid: string; resourceVersion: string; creationTimestamp: string };
    };
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const again = await apiError(
      custom.createNamespacedCustomObject({
        ...DU,
        namespace: "cluedin",
        body: dataUpgrade("data-upgrade-450", "Version450"),
      }),
    );
    expect(again.code).toBe(409);
    expect(again.body.reason).toBe("AlreadyExists");
    const invalid = await apiError(
      custom.createNamespacedCustomObject({ ...DU, namespace: "cluedin", body: dataUpgrade("data-upgrade-x", 450) }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body.message).toContain("spec.toVersion");

    t.clock.advanceBy(5 * 60_000);
    const done = (await custom.getNamespacedCustomObject({
      ...DU,
      namespace: "cluedin",
      name: "data-upgrade-450",
    })) as {
      status?: { phase?: string };
      metadata: { resourceVersion: string };
    };
    expect(done.status?.phase).toBe("Succeeded");
    expect(Number(done.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const [server] = (await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" }))
      .items;
    const log = await core.readNamespacedPodLog({
      name: server?.metadata?.name ?? "",
      namespace: "cluedin",
      sinceSeconds: 600,
    });
    expect(log).toMatch(/INF\] Performing Upgrade Scenario .+ for version Version450/);
    expect(log).toMatch(/Completed Upgrade Scenario .+ for version Version450/);
    expect(log).toMatch(/HTTP POST \/api\/upgradeto\/Version450 responded 200 in [\d.]+ ms/);
    const list = (await custom.listNamespacedCustomObject({ ...DU, namespace: "cluedin" })) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    expect(t.sim.state().dataUpgradeCreations).toEqual([
      expect.objectContaining({ name: "data-upgrade-450", toVersion: "Version450", via: "kube-api" }),
    ]);
    await custom.deleteNamespacedCustomObject({ ...DU, namespace: "cluedin", name: "data-upgrade-450" });
    const gone = await apiError(
      custom.getNamespacedCustomObject({ ...DU, namespace: "cluedin", name: "data-upgrade-450" }),
    );
    expect(gone.body.message).toBe('dataupgrades.api.cluedin.com "data-upgrade-450" not found');
  });

  it("reads deployments, statefulsets and job status", async () => {
    const apps = kubeConfig(t.sim).makeApiClient(AppsV1Api);
    const batch = kubeConfig(t.sim).makeApiClient(BatchV1Api);
    const deployments = await apps.listNamespacedDeployment({ namespace: "cluedin" });
    expect(deployments.items.map((d) => d.metadata?.name)).toContain("cluedin-server");
    const server = await apps.readNamespacedDeployment({ name: "cluedin-server", namespace: "cluedin" });
    expect(server.status).toMatchObject({ readyReplicas: 1, availableReplicas: 1 });
    const sets = await apps.listNamespacedStatefulSet({ namespace: "cluedin" });
    // cluedin-infrastructure fullnameOverrides, plus the StatefulSets prometheus-operator makes for the chart.
    expect(sets.items.map((s) => s.metadata?.name).sort()).toEqual([
      "alertmanager-cluedin-alertmanager",
      "cluedin-elasticsearch",
      "cluedin-neo4j",
      "cluedin-rabbitmq",
      "cluedin-redis-master",
      "prometheus-cluedin-prometheus",
    ]);
    const job = await batch.readNamespacedJobStatus({ name: "init-cluedin-job", namespace: "cluedin" });
    expect(job.status?.succeeded).toBe(1);
    expect(job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True")).toBe(true);
  });

  it("streams pod changes to a Watch as simulated time passes", async () => {
    const events: string[] = [];
    let sawCrash!: () => void;
    const crashed = new Promise<void>((resolve) => (sawCrash = resolve));
    const watch = new Watch(kubeConfig(t.sim));
    const request = await watch.watch(
      "/api/v1/namespaces/cluedin/pods",
      { labelSelector: "app=gql" },
      (type: string, pod: { status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } }) => {
        const reason = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        events.push(`${type}:${reason ?? "ok"}`);
        if (reason === "CrashLoopBackOff") sawCrash();
      },
      () => undefined,
    );
    t.sim.setFaults({ crashLoop: ["cluedin-gql"] });
    t.clock.advanceBy(60_000);
    await crashed;
    request.abort();
    expect(events[0]).toBe("ADDED:ok");
    expect(events).toContain("MODIFIED:CrashLoopBackOff");
    t.sim.setFaults({ crashLoop: [] });
  });
});
