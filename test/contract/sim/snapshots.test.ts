/**
 * The simulator's storage through real clients: `@kubernetes/client-node` (the app's VolumeClient) and `kubectl`
 * (discovery of snapshot.storage.k8s.io/v1, the CRDs' printer columns). Snapshots get ready after a latency, carry
 * the data version of their volume, restore into a claim with a dataSource, and the four faults show as the
 * snapshot controller reports them.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeClient } from "../../../lib/clients/kube.js";
import { VolumeClient } from "../../../lib/clients/volumes.js";
import { simClaims } from "../../../local/sim/model/snapshots.js";
import { kubeConfig } from "./clients.js";
import { startTestSimulator, type TestSimulator } from "./harness.js";

const run = promisify(execFile);
const kubectlInstalled = await run("kubectl", ["version", "--client"], { timeout: 20_000 }).then(
  () => true,
  () => false,
);

let t: TestSimulator;
let volumes: VolumeClient;
beforeEach(async () => {
  t = await startTestSimulator(undefined, 0.05);
  volumes = new VolumeClient({ kubeConfig: kubeConfig(t.sim), namespace: "cluedin" });
});
afterEach(async () => {
  await t.close();
});

const LABELS = { run: "demo-run", runId: "demo-20260105t090000z-abc123", cluster: "demo" };

describe("simulated volumes through client-node", () => {
  it("lists one Bound Azure Disk claim per chart volume, and AKS's snapshot class", async () => {
    const inventory = await volumes.inventory();
    expect(inventory.claims.map((c) => c.name).sort()).toEqual(
      simClaims()
        .map((c) => c.name)
        .sort(),
    );
    expect(inventory.claims.every((c) => c.phase === "Bound" && c.provisioner === "disk.csi.azure.com")).toBe(true);
    expect(inventory.claims.map((c) => c.name)).toContain("data-cluedin-neo4j-0");
    expect(inventory.classes).toContainEqual({
      name: "csi-azuredisk-vsc",
      driver: "disk.csi.azure.com",
      deletionPolicy: "Delete",
    });
  });

  it("creates a class once, snapshots a claim, gets ready after a latency with a content handle and restore size", async () => {
    expect((await volumes.ensureSnapshotClass("cluedin-upgrade-vsc")).created).toBe(true);
    expect((await volumes.ensureSnapshotClass("cluedin-upgrade-vsc")).created).toBe(false);
    const made = await volumes.createSnapshots(
      [{ name: "cu-abc123-neo4j", pvc: "data-cluedin-neo4j-0" }],
      "cluedin-upgrade-vsc",
      LABELS,
    );
    expect(made).toEqual([{ name: "cu-abc123-neo4j", created: true }]);
    expect(
      await volumes.createSnapshots(
        [{ name: "cu-abc123-neo4j", pvc: "data-cluedin-neo4j-0" }],
        "cluedin-upgrade-vsc",
        LABELS,
      ),
    ).toEqual([{ name: "cu-abc123-neo4j", created: false }]);
    const [before] = await volumes.observeSnapshots(["cu-abc123-neo4j"]);
    expect(before).toMatchObject({ found: true, readyToUse: false, pvc: "data-cluedin-neo4j-0" });
    t.clock.advanceBy(60_000);
    const [after] = await volumes.observeSnapshots(["cu-abc123-neo4j"]);
    expect(after).toMatchObject({ readyToUse: true, restoreSize: "10Gi" });
    expect(after?.handle).toMatch(/^\/subscriptions\/.+\/providers\/Microsoft.Compute\/snapshots\/snapshot-/);
    expect((await volumes.labelledSnapshots("demo")).map((s) => s.run)).toEqual(["demo-run"]);
  });

  it("restores a claim from its snapshot: the old data version comes back, the old disk is retained", async () => {
    const pvc = "data-cluedin-neo4j-0";
    const before = t.sim.state().volumes.find((v) => v.pvc === pvc)!;
    await volumes.createSnapshots([{ name: "cu-x-neo4j", pvc }], "csi-azuredisk-vsc", LABELS);
    t.clock.advanceBy(60_000);
    // What a data upgrade does to the data: the DataUpgrade operator migrates every bound volume.
    const kube = new KubeClient({ kubeConfig: kubeConfig(t.sim), namespace: "cluedin" });
    await kube.applyDataUpgrade({
      name: "data-upgrade-450",
      toVersion: "Version450",
      chartVersion: "2.5.0",
      releaseName: "cluedin-platform",
    });
    t.clock.advanceBy(600_000);
    expect((await kube.readDataUpgrade("data-upgrade-450"))?.phase).toBe("Succeeded");
    expect(t.sim.state().volumes.find((v) => v.pvc === pvc)?.dataVersion).toBe("Version450");
    expect(await volumes.restoreClaim(pvc, "cu-x-neo4j", "10Gi")).toEqual({ retained: before.pv });
    expect((await volumes.observeClaims([pvc]))[0]).toMatchObject({ phase: "Pending", fromSnapshot: "cu-x-neo4j" });
    t.clock.advanceBy(30_000);
    expect((await volumes.observeClaims([pvc]))[0]).toMatchObject({ phase: "Bound", fromSnapshot: "cu-x-neo4j" });
    expect(t.sim.state().volumes.find((v) => v.pvc === pvc)?.dataVersion).toBe(before.dataVersion);
    // A retried restore leaves the claim it made alone.
    expect(await volumes.restoreClaim(pvc, "cu-x-neo4j", "10Gi")).toEqual({});
  });

  it("scales a Deployment to zero and back through the scale subresource", async () => {
    await volumes.scale("Deployment", "cluedin-ui", 0);
    t.clock.advanceBy(60_000);
    expect((await volumes.workloads()).find((w) => w.name === "cluedin-ui")).toMatchObject({ replicas: 0, pods: 0 });
    await volumes.scale("Deployment", "cluedin-ui", 1);
    expect((await volumes.workloads()).find((w) => w.name === "cluedin-ui")).toMatchObject({ replicas: 1 });
  });

  it.each([
    ["error", /InternalServerError/],
    ["quota", /OperationNotAllowed.*exceeding approved Total Snapshots quota/],
  ] as const)("a %s fault puts Azure's answer in status.error", async (mode, message) => {
    t.sim.setFaults({ snapshots: { mode } });
    await volumes.createSnapshots(
      [{ name: "cu-f-redis", pvc: "redis-data-cluedin-redis-master-0" }],
      "csi-azuredisk-vsc",
      LABELS,
    );
    t.clock.advanceBy(60_000);
    const [seen] = await volumes.observeSnapshots(["cu-f-redis"]);
    expect(seen?.readyToUse).toBe(false);
    expect(seen?.error).toMatch(/^Failed to check and update snapshot content/);
    expect(seen?.error).toMatch(message);
  });

  it("a never fault leaves the snapshot unready; a restore fault leaves the restored claim Pending", async () => {
    t.sim.setFaults({ snapshots: "never" });
    await volumes.createSnapshots(
      [{ name: "cu-n-redis", pvc: "redis-data-cluedin-redis-master-0" }],
      "csi-azuredisk-vsc",
      LABELS,
    );
    t.clock.advanceBy(600_000);
    expect((await volumes.observeSnapshots(["cu-n-redis"]))[0]).toMatchObject({ readyToUse: false });
    expect((await volumes.observeSnapshots(["cu-n-redis"]))[0]?.error).toBeUndefined();
    t.sim.setFaults({ snapshots: null, restore: "fail" });
    await volumes.createSnapshots(
      [{ name: "cu-r-redis", pvc: "redis-data-cluedin-redis-master-0" }],
      "csi-azuredisk-vsc",
      LABELS,
    );
    t.clock.advanceBy(60_000);
    await volumes.restoreClaim("redis-data-cluedin-redis-master-0", "cu-r-redis", "4Gi");
    t.clock.advanceBy(600_000);
    expect((await volumes.observeClaims(["redis-data-cluedin-redis-master-0"]))[0]?.phase).toBe("Pending");
  });
});

describe.skipIf(!kubectlInstalled)("simulated snapshots through kubectl", () => {
  it("kubectl get volumesnapshots -n cluedin shows the CRD's columns", async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "kubectl-cache-"));
    try {
      await volumes.createSnapshots([{ name: "cu-k-neo4j", pvc: "data-cluedin-neo4j-0" }], "csi-azuredisk-vsc", LABELS);
      t.clock.advanceBy(60_000);
      const kubectl = (args: string[]) =>
        run("kubectl", ["--kubeconfig", t.sim.kubeconfigPath, "--cache-dir", cacheDir, ...args], { timeout: 20_000 });
      const { stdout } = await kubectl(["get", "volumesnapshots", "-n", "cluedin"]);
      const lines = stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(
        /^NAME\s+READYTOUSE\s+SOURCEPVC\s+SOURCESNAPSHOTCONTENT\s+RESTORESIZE\s+SNAPSHOTCLASS\s+SNAPSHOTCONTENT\s+CREATIONTIME\s+AGE$/,
      );
      expect(lines[1]).toMatch(
        /^cu-k-neo4j\s+true\s+data-cluedin-neo4j-0\s+10Gi\s+csi-azuredisk-vsc\s+snapcontent-\S+/,
      );
      const pvcs = await kubectl(["get", "pvc", "-n", "cluedin", "-o", "name"]);
      expect(pvcs.stdout.trim().split("\n")).toHaveLength(simClaims().length);
      const classes = await kubectl(["get", "vsclass"]);
      expect(classes.stdout).toMatch(/^csi-azuredisk-vsc\s+disk.csi.azure.com\s+Delete/m);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
