import { RestError } from "@azure/core-rest-pipeline";
import { ApiException, CoreV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { armClient, kubeConfig, rawRequest } from "./clients.js";
import { runOnCluster, startTestSimulator, type TestSimulator } from "./harness.js";

describe("request faults per API (arm, kube, runCommand), observed through the real clients", () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startTestSimulator();
  });
  afterEach(() => t.close());

  it("kube: a counted 500 fails exactly that many calls, then clears", async () => {
    const core = kubeConfig(t.sim).makeApiClient(CoreV1Api);
    t.sim.setFaults({ kube: { status: 500, count: 2 } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        await core.listNamespacedPod({ namespace: "cluedin" });
        codes.push(200);
      } catch (error) {
        codes.push((error as ApiException<unknown>).code);
      }
    }
    expect(codes).toEqual([500, 500, 200]);
    expect(t.sim.state().injectedFaults.map((f) => [f.api, f.status, f.request])).toEqual([
      ["kube", 500, "GET /api/v1/namespaces/cluedin/pods"],
      ["kube", 500, "GET /api/v1/namespaces/cluedin/pods"],
    ]);
    expect(t.sim.state().faults.kube).toBeNull();
  });

  it("kube: 429 carries Retry-After and a TooManyRequests Status; `match` limits the fault to some paths", async () => {
    t.sim.setFaults({ kube: { status: 429, match: "/log", retryAfterSeconds: 3 } });
    const core = kubeConfig(t.sim).makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" });
    const name = pods.items[0]?.metadata?.name ?? "";
    const response = await rawRequest(`${t.sim.kubeServer}/api/v1/namespaces/cluedin/pods/${name}/log`, {
      caCertPem: t.sim.caCertPem,
      token: t.sim.token,
    });
    expect(response.status).toBe(429);
    expect(response.headers["retry-after"]).toBe("3");
    expect(JSON.parse(response.body)).toMatchObject({ kind: "Status", reason: "TooManyRequests", code: 429 });
  });

  it("kube: a timeout holds the request until the client gives up", async () => {
    t.sim.setFaults({ kube: { status: "timeout", count: 1, hangMs: 5_000 } });
    const started = Date.now();
    await expect(
      rawRequest(`${t.sim.kubeServer}/api/v1/namespaces/cluedin/pods`, {
        caCertPem: t.sim.caCertPem,
        token: t.sim.token,
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const after = await rawRequest(`${t.sim.kubeServer}/api/v1/namespaces/cluedin/pods`, {
      caCertPem: t.sim.caCertPem,
      token: t.sim.token,
    });
    expect(after.status).toBe(200);
  });

  it("arm: the pipeline retries a transient 500 and 429; a persistent 503 surfaces after the retries", async () => {
    const aks = armClient(t.sim);
    t.sim.setFaults({ arm: { status: 500, count: 1 } });
    await expect(aks.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName)).resolves.toMatchObject({
      name: t.sim.clusterName,
    });
    t.sim.setFaults({ arm: { status: 429, count: 2, retryAfterSeconds: 0 } });
    await expect(aks.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName)).resolves.toMatchObject({
      name: t.sim.clusterName,
    });
    expect(t.sim.state().injectedFaults.map((f) => f.status)).toEqual([500, 429, 429]);
    t.sim.setFaults({ arm: 503 });
    const error = await aks.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(503);
    expect(t.sim.state().injectedFaults.filter((f) => f.status === 503)).toHaveLength(4);
  });

  it("runCommand: faults hit Run Command calls only; a failed poll is retried and the command completes once", async () => {
    const aks = armClient(t.sim);
    t.sim.setFaults({ runCommand: { status: 500, count: 1, match: "commandResults" } });
    const result = await runOnCluster(aks, t, "helm list -n cluedin -q");
    expect(result).toMatchObject({ exitCode: 0, logs: "cluedin-platform\n" });
    await aks.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName);
    const state = t.sim.state();
    expect(state.injectedFaults).toEqual([
      expect.objectContaining({ api: "runCommand", status: 500, request: expect.stringContaining("commandResults") }),
    ]);
    expect(state.commands).toHaveLength(1);
  });

  it("runCommand: a timeout on submit never reaches the cluster", async () => {
    const aks = armClient(t.sim);
    t.sim.setFaults({ runCommand: { status: "timeout", hangMs: 5_000 } });
    const poller = aks.managedClusters.runCommand(
      t.sim.resourceGroup,
      t.sim.clusterName,
      { command: "helm list" },
      { abortSignal: AbortSignal.timeout(300) },
    );
    await expect(poller.submitted()).rejects.toThrow();
    expect(t.sim.state().commands).toEqual([]);
  });

  it("probability faults are deterministic for a seed", async () => {
    const pattern = async (sim: TestSimulator): Promise<number[]> => {
      sim.sim.setFaults({ seed: 42, kube: { status: 500, probability: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        statuses.push(
          (
            await rawRequest(`${sim.sim.kubeServer}/api/v1/namespaces/cluedin/pods`, {
              caCertPem: sim.sim.caCertPem,
              token: sim.sim.token,
            })
          ).status,
        );
      }
      return statuses;
    };
    const other = await startTestSimulator();
    try {
      const first = await pattern(t);
      expect(first).toContain(500);
      expect(first).toContain(200);
      expect(await pattern(other)).toEqual(first);
    } finally {
      await other.close();
    }
  });
});
