import { ContainerServiceClient, restorePoller } from "@azure/arm-containerservice";
import { RestError } from "@azure/core-rest-pipeline";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AKS_SERVER_APP_ID } from "../../../local/sim/index.js";
import { armClient, kubeConfig, simulatorCredential, trustCaPolicy } from "./clients.js";
import { decodeRelease, START, startTestSimulator, zipContext, type TestSimulator } from "./harness.js";

const VALUES = `global:
  image:
    tag: "2025.05.00"
  strategy:
    type: Recreate
application:
  cluedin:
    components:
      packages:
      - name: "CluedIn.Connector.Http"
        version: "4.5.0"
      - name: "Contoso.Enrichment"
        version: "1.3.0"
`;

async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RestError);
    return error as RestError;
  }
  throw new Error("expected the call to fail");
}

describe("simulated ARM through @azure/arm-containerservice", () => {
  let t: TestSimulator;
  let aks: ContainerServiceClient;
  const scopes: string[] = [];

  beforeAll(async () => {
    t = await startTestSimulator();
    aks = armClient(t.sim, { scopes });
  });
  afterAll(() => t.close());

  it("gets the managed cluster as AKS describes an AAD cluster with Azure RBAC", async () => {
    const cluster = await aks.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName);
    expect(cluster).toMatchObject({
      name: t.sim.clusterName,
      provisioningState: "Succeeded",
      currentKubernetesVersion: "1.30.6",
      aadProfile: { managed: true, enableAzureRbac: true },
      apiServerAccessProfile: { enablePrivateCluster: false, disableRunCommand: false },
    });
    expect(cluster.fqdn).toMatch(/\.hcp\.westeurope\.azmk8s\.io$/);
    expect(scopes).toContain("https://management.azure.com/.default");
  });

  it("returns kubeconfigs whose server and CA are the simulated API server's", async () => {
    const user = await aks.managedClusters.listClusterUserCredentials(t.sim.resourceGroup, t.sim.clusterName);
    const userConfig = parse(Buffer.from(user.kubeconfigs?.[0]?.value ?? new Uint8Array()).toString("utf8")) as {
      clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
      users: { user: { exec?: { command: string; args: string[] } } }[];
    };
    expect(userConfig.clusters[0]?.cluster.server).toBe(t.sim.kubeServer);
    expect(Buffer.from(userConfig.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString()).toBe(
      t.sim.caCertPem,
    );
    expect(userConfig.users[0]?.user.exec?.command).toBe("kubelogin");
    expect(userConfig.users[0]?.user.exec?.args).toContain(AKS_SERVER_APP_ID);

    const admin = await aks.managedClusters.listClusterAdminCredentials(t.sim.resourceGroup, t.sim.clusterName);
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(admin.kubeconfigs?.[0]?.value ?? new Uint8Array()).toString("utf8"));
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "cluedin" });
    expect(pods.items.length).toBeGreaterThan(15);
  });

  it("runs a helm upgrade through Run Command: start, serialize, restore in a later call, poll to done", async () => {
    const command = [
      "helm repo add cluedin https://cluedin-io.github.io/Charts/",
      "helm repo update",
      "helm upgrade cluedin-platform cluedin/cluedin-platform -n cluedin --version 2.5.0 --values values-dev-2025-05-00.yml --set application.system.upgradeMode=true --set application.system.runDatabaseJobsOnUpgrade=true --set application.system.runNugetFullRestore=true --wait --timeout 10m0s",
    ].join(" && ");
    const started = aks.managedClusters.runCommand(
      t.sim.resourceGroup,
      t.sim.clusterName,
      { command, context: zipContext({ "values-dev-2025-05-00.yml": VALUES }), clusterToken: t.sim.token },
      { updateIntervalInMs: 1 },
    );
    await started.submitted();
    const serialized = await started.serialize();
    expect(JSON.parse(serialized).state.config.operationLocation).toMatch(
      /\/commandResults\/[0-9a-f]{32}\?api-version=/,
    );

    t.clock.advanceBy(60_000);
    const midway = restorePoller(aks, serialized, aks.managedClusters.runCommand, { updateIntervalInMs: 1 });
    await midway.poll();
    expect(midway.isDone).toBe(false);
    const [pending] = (
      await kubeConfig(t.sim)
        .makeApiClient(CoreV1Api)
        .listNamespacedSecret({ namespace: "cluedin", labelSelector: "owner=helm,version=4" })
    ).items;
    expect(pending?.metadata?.labels?.status).toBe("pending-upgrade");

    t.clock.advanceBy(10 * 60_000);
    const later = restorePoller(aks, serialized, aks.managedClusters.runCommand, { updateIntervalInMs: 1 });
    const result = await later.pollUntilDone();
    expect(result).toMatchObject({ provisioningState: "Succeeded", exitCode: 0 });
    expect(result.logs).toContain('Release "cluedin-platform" has been upgraded. Happy Helming!');
    expect(result.logs).toContain("REVISION: 4");
    expect(result.startedAt).toBeInstanceOf(Date);
    expect(result.finishedAt!.getTime()).toBeGreaterThan(result.startedAt!.getTime());

    const secrets = await kubeConfig(t.sim)
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace: "cluedin", labelSelector: "owner=helm" });
    const releases = secrets.items.map(decodeRelease).sort((a, b) => a.version - b.version);
    expect(releases.map((r) => r.info.status)).toEqual(["superseded", "superseded", "superseded", "deployed"]);
    expect(releases[3]?.chart.metadata).toMatchObject({ version: "2.5.0", appVersion: "2025.05" });
    expect(releases[3]?.config).toEqual({
      global: { image: { tag: "2025.05.00" }, strategy: { type: "Recreate" } },
      application: {
        cluedin: {
          components: {
            packages: [
              { name: "CluedIn.Connector.Http", version: "4.5.0" },
              { name: "Contoso.Enrichment", version: "1.3.0" },
            ],
          },
        },
        system: { upgradeMode: true, runDatabaseJobsOnUpgrade: true, runNugetFullRestore: true },
      },
    });
    const state = t.sim.state();
    expect(state.helmOperations).toEqual([
      expect.objectContaining({
        kind: "upgrade",
        revision: 4,
        chart: "cluedin-platform-2.5.0",
        outcome: "deployed",
        valuesFiles: ["values-dev-2025-05-00.yml"],
      }),
    ]);
    expect(state.helmOperations[0]?.set).toEqual([
      "application.system.upgradeMode=true",
      "application.system.runDatabaseJobsOnUpgrade=true",
      "application.system.runNugetFullRestore=true",
    ]);
    expect(state.commands[0]).toMatchObject({
      exitCode: 0,
      files: ["values-dev-2025-05-00.yml"],
      provisioningState: "Succeeded",
    });
    const server = state.pods.find((p) => p.workload === "cluedin-server");
    expect(server).toMatchObject({
      status: "Running",
      ready: true,
      // The values file names no registry, so the chart default applies (2.5.0 values.yaml: docker.io).
      image: "docker.io/cluedin/cluedin-server:2025.05.00",
    });
    expect(state.pods.some((p) => p.workload === "cluedin-ui")).toBe(false);
    expect(state.jobs.map((j) => j.status)).toEqual(["Complete", "Complete", "Complete"]);
    for (const job of state.jobs) expect(Date.parse(job.startedAt)).toBeGreaterThan(START);
    const core = kubeConfig(t.sim).makeApiClient(CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace: "cluedin", labelSelector: "app=cluedin,role=main" }))
      .items;
    expect(pod?.spec?.containers[0]?.env).toContainEqual({ name: "CLUEDIN_MODE", value: "upgrade" });
    const log = await core.readNamespacedPodLog({ name: pod?.metadata?.name ?? "", namespace: "cluedin" });
    expect(log).toMatch(/Starting CluedIn Server 2025\.05\.00\n.*CLUEDIN_MODE=upgrade/);
    expect(log).toContain("Restored package Contoso.Enrichment 1.3.0");
    expect(log).toContain("Application started");
  });

  it("answers unknown clusters, resource groups and api-versions with ARM's error bodies", async () => {
    const missing = await restError(aks.managedClusters.get(t.sim.resourceGroup, "no-such-cluster"));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe("ResourceNotFound");
    expect(missing.message).toContain("'Microsoft.ContainerService/managedClusters/no-such-cluster'");
    const group = await restError(aks.managedClusters.get("rg-nope", t.sim.clusterName));
    expect(group.code).toBe("ResourceGroupNotFound");
    const old = new ContainerServiceClient(simulatorCredential(t.sim), t.sim.subscriptionId, {
      endpoint: t.sim.armEndpoint,
      apiVersion: "2019-01-01",
      additionalPolicies: [{ policy: trustCaPolicy(t.sim.caCertPem), position: "perCall" }],
    });
    const version = await restError(old.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName));
    expect(version.statusCode).toBe(400);
    expect(version.code).toBe("NoRegisteredProviderFound");
    const missingResult = await restError(
      aks.managedClusters.getCommandResult(t.sim.resourceGroup, t.sim.clusterName, "0".repeat(32)),
    );
    expect(missingResult.statusCode).toBe(404);
  });

  it("rejects callers without the simulator's token", async () => {
    const stranger = armClient(t.sim, {
      credential: { getToken: () => Promise.resolve({ token: "forged", expiresOnTimestamp: Date.now() + 60_000 }) },
    });
    const denied = await restError(stranger.managedClusters.get(t.sim.resourceGroup, t.sim.clusterName));
    expect(denied.statusCode).toBe(401);
    expect(denied.code).toBe("InvalidAuthenticationToken");
  });

  it("rejects a Run Command without a command or with a context that is not a zip", async () => {
    const empty = await restError(
      aks.managedClusters.runCommand(t.sim.resourceGroup, t.sim.clusterName, { command: "" }).submitted(),
    );
    expect(empty.statusCode).toBe(400);
    const badZip = await restError(
      aks.managedClusters
        .runCommand(t.sim.resourceGroup, t.sim.clusterName, {
          command: "ls",
          context: Buffer.from("not a zip").toString("base64"),
        })
        .submitted(),
    );
    expect(badZip.statusCode).toBe(400);
    expect(badZip.message).toContain("zip");
  });
});
