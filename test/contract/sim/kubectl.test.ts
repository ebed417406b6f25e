import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfig } from "./clients.js";
import { startTestSimulator, type TestSimulator } from "./harness.js";

const run = promisify(execFile);

async function kubectlAvailable(): Promise<boolean> {
  try {
    await run("kubectl", ["version", "--client"], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const available = await kubectlAvailable();
if (!available) console.warn("kubectl is not installed: the simulator's kubectl contract tests are skipped");

describe.skipIf(!available)("simulated API server through kubectl", () => {
  let t: TestSimulator;
  let cacheDir: string;
  const kubectl = async (
    args: string[],
    kubeconfig = t.sim.kubeconfigPath,
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...args], {
        timeout: 20_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  };

  beforeAll(async () => {
    t = await startTestSimulator();
    cacheDir = await mkdtemp(path.join(tmpdir(), "kubectl-cache-"));
  });
  afterAll(async () => {
    await t.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("lists pods with the usual columns", async () => {
    const { code, stdout } = await kubectl(["get", "pods", "-n", "cluedin"]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    // 21 workloads of chart 2.4.2 (cluedin-ai is 2.6.0's, and off by default), 3 init jobs, the header.
    expect(lines).toHaveLength(25);
    expect(stdout).toMatch(/^cluedin-server-\S+\s+1\/1\s+Running\s+0\s+14d$/m);
    expect(stdout).toMatch(/^init-cluedin-job-\S+\s+0\/1\s+Completed\s+0\s+14d$/m);
    expect(stdout).toMatch(/^cluedin-rabbitmq-0\s+1\/1\s+Running/m);
  });

  it("lists the node-exporter DaemonSet and the CRDs with kubectl get ds,crd", async () => {
    const { code, stdout } = await kubectl(["get", "ds,crd", "-n", "cluedin"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    expect(stdout).toMatch(/^daemonset\.apps\/cluedin-prometheus-node-exporter\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\d+d$/m);
    // Chart 2.4.2 bundles prometheus-operator v0.79.2: all ten monitoring.coreos.com CRDs, and CluedIn's own.
    const crds = stdout.match(/^customresourcedefinition\.apiextensions\.k8s\.io\/\S+/gm) ?? [];
    expect(crds.filter((c) => c.endsWith(".monitoring.coreos.com"))).toHaveLength(10);
    expect(crds).toContain("customresourcedefinition.apiextensions.k8s.io/dataupgrades.api.cluedin.com");
    const selector = await kubectl([
      "get",
      "ds",
      "cluedin-prometheus-node-exporter",
      "-n",
      "cluedin",
      "-o",
      "jsonpath={.spec.selector.matchLabels}",
    ]);
    expect(JSON.parse(selector.stdout)).toEqual({
      "app.kubernetes.io/instance": "cluedin-platform",
      "app.kubernetes.io/name": "prometheus-node-exporter",
    });
  });

  it("reads server logs through the deployment", async () => {
    const { code, stdout } = await kubectl(["logs", "deploy/cluedin-server", "-n", "cluedin", "--tail=3"]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^\[#\d{3} \d\d:\d\d:\d\d (INF|WRN)\]\[CluedIn\./);
  });

  it("lists Helm's release secrets and DataUpgrades", async () => {
    const secrets = await kubectl(["get", "secrets", "-n", "cluedin", "-l", "owner=helm"]);
    expect(secrets.stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE$/m);
    expect(secrets.stdout).toMatch(/^sh\.helm\.release\.v1\.cluedin-platform\.v3\s+helm\.sh\/release\.v1\s+1\s+14d$/m);
    await kubeConfig(t.sim)
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({
        group: "api.cluedin.com",
        version: "v1",
        plural: "dataupgrades",
        namespace: "cluedin",
        body: {
          apiVersion: "api.cluedin.com/v1",
          kind: "DataUpgrade",
          metadata: { name: "data-upgrade-450" },
          spec: { toVersion: "Version450" },
        },
      });
    t.clock.advanceBy(5 * 60_000);
    const upgrades = await kubectl(["get", "du", "-n", "cluedin"]);
    expect(upgrades.stdout).toMatch(/^NAME\s+TO VERSION\s+PHASE\s+AGE$/m);
    expect(upgrades.stdout).toMatch(/^data-upgrade-450\s+Version450\s+Succeeded\s+5m$/m);
  });

  it("is refused with a wrong token and finds no unknown resources", async () => {
    const file = path.join(cacheDir, "bad-kubeconfig.yaml");
    await writeFile(file, (await readFile(t.sim.kubeconfigPath, "utf8")).replace(t.sim.token, "forged"));
    const denied = await kubectl(["get", "pods", "-n", "cluedin"], file);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("You must be logged in to the server (Unauthorized)");
    const unknown = await kubectl(["get", "widgets", "-n", "cluedin"]);
    expect(unknown.stderr).toContain('the server doesn\'t have a resource type "widgets"');
    const missing = await kubectl(["get", "pod", "nope", "-n", "cluedin"]);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });
});
