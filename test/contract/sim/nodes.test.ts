/**
 * Nodes and image pulls in the simulator, through the real clients: `kubectl get nodes` and Node `status.images`
 * (largest first, at most 50: kubelet nodestatus.Images), capacity and requests, a client-created pre-pull DaemonSet
 * that really pulls into each node's image store (and the status the DaemonSet controller reports), shared pulls,
 * and the faults: a full disk, a refused pull (the kubelet's ErrImagePull/ImagePullBackOff), a slow registry.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { NodeClient } from "../../../lib/clients/nodes.js";
import { prePullDaemonSet } from "../../../lib/workflow/prepull.js";
import { NODES } from "../../../local/sim/model/cluster.js";
import { imageSize, NODE_STATUS_MAX_IMAGES } from "../../../local/sim/model/images.js";
import { kubeConfig } from "./clients.js";
import { startTestSimulator, type TestSimulator } from "./harness.js";

const run = promisify(execFile);
const hasKubectl = await run("kubectl", ["version", "--client"], { timeout: 20_000 }).then(
  () => true,
  () => false,
);

const SERVER_NEXT = "cluedinprod.azurecr.io/cluedin/cluedin-server:2025.01.00";
const UI_NEXT = "cluedinprod.azurecr.io/cluedin/ui:2025.01.00";

let t: TestSimulator | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function createPrePull(sim: TestSimulator, images: string[], name = "cu-prepull-test"): Promise<void> {
  const apps = kubeConfig(sim.sim).makeApiClient(AppsV1Api);
  await apps.createNamespacedDaemonSet({
    namespace: "cluedin",
    body: prePullDaemonSet({ name, namespace: "cluedin", runId: "test", images, nodes: NODES }),
  });
}

describe("simulated nodes", () => {
  it.skipIf(!hasKubectl)(
    "kubectl get nodes lists the pool; -o json carries capacity, allocatable and images",
    async () => {
      t = await startTestSimulator();
      const kubectl = async (...args: string[]) =>
        (await run("kubectl", ["--kubeconfig", t!.sim.kubeconfigPath, ...args], { timeout: 20_000 })).stdout;
      const table = await kubectl("get", "nodes");
      expect(table.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
      for (const name of NODES) expect(table).toMatch(new RegExp(`^${name}\\s+Ready\\s+`, "m"));
      const nodes = JSON.parse(await kubectl("get", "nodes", "-o", "json")) as {
        items: {
          status: {
            capacity: Record<string, string>;
            allocatable: Record<string, string>;
            images: { names: string[]; sizeBytes: number }[];
          };
        }[];
      };
      for (const node of nodes.items) {
        expect(Object.keys(node.status.capacity).sort()).toEqual(["cpu", "ephemeral-storage", "memory", "pods"]);
        expect(Object.keys(node.status.allocatable).sort()).toEqual(["cpu", "ephemeral-storage", "memory", "pods"]);
        const sizes = node.status.images.map((i) => i.sizeBytes);
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
        expect(node.status.images.length).toBeLessThanOrEqual(NODE_STATUS_MAX_IMAGES);
      }
      // The node holds more images than it reports: the cap is real.
      expect(t.sim.state().nodes.some((n) => n.images.length === NODE_STATUS_MAX_IMAGES)).toBe(true);
      const largest = await kubectl("get", "nodes", "-o", "jsonpath={.items[*].status.images[0].names[0]}");
      expect(largest).toMatch(/cluedin\/cluedin-server:/);
    },
  );

  it("exposes the chart's requests on pods and pod templates, and places Neo4j where it fits", async () => {
    t = await startTestSimulator();
    const facts = await new NodeClient({ kubeConfig: kubeConfig(t.sim), namespace: "cluedin" }).facts();
    const neo4j = facts.workloads.find((w) => w.name === "cluedin-neo4j");
    expect(neo4j?.requests).toEqual({ cpu: 6500, memory: 26 * 1024 ** 3 });
    const pod = facts.pods.find((p) => p.workload === "cluedin-neo4j");
    expect(pod?.requests).toEqual(neo4j?.requests);
    for (const node of facts.nodes) {
      const used = facts.pods.filter((p) => p.node === node.name).reduce((s, p) => s + p.requests.cpu, 0);
      expect(used).toBeLessThanOrEqual(node.allocatable.cpu);
    }
  });

  it("runs a pre-pull DaemonSet: pods pull each image in turn, the status counts them, deleting removes them", async () => {
    t = await startTestSimulator();
    const core = kubeConfig(t.sim).makeApiClient(CoreV1Api);
    const client = new NodeClient({ kubeConfig: kubeConfig(t.sim), namespace: "cluedin" });
    await createPrePull(t, [SERVER_NEXT, UI_NEXT]);
    let seen = await client.observeDaemonSet("cu-prepull-test");
    expect(seen).toMatchObject({ found: true, desired: 3, ready: 0 });
    const pods = await core.listNamespacedPod({
      namespace: "cluedin",
      labelSelector: "app.kubernetes.io/name=cu-prepull-test",
    });
    expect(pods.items.map((p) => p.spec?.nodeName).sort()).toEqual([...NODES].sort());
    // 40 s for the server image at the default calibration (timings.imagePullMs), then the UI's 310 MB.
    t.clock.advanceBy(30_000);
    expect((await client.observeDaemonSet("cu-prepull-test")).ready).toBe(0);
    t.clock.advanceBy(30_000);
    seen = await client.observeDaemonSet("cu-prepull-test");
    expect(seen.ready).toBe(3);
    const node = (await core.readNode({ name: NODES[0]! })).status?.images ?? [];
    expect(node.find((i) => i.names?.includes(SERVER_NEXT))?.sizeBytes).toBe(imageSize(SERVER_NEXT));
    expect(node.some((i) => i.names?.includes(UI_NEXT))).toBe(true);
    // A second pull of the same image on the same node is shared, never repeated.
    expect(t.sim.state().pulls.filter((p) => p.ref === SERVER_NEXT)).toHaveLength(3);
    expect(await client.deleteDaemonSet("cu-prepull-test")).toEqual({ deleted: true });
    expect((await client.observeDaemonSet("cu-prepull-test")).found).toBe(false);
    const left = await core.listNamespacedPod({
      namespace: "cluedin",
      labelSelector: "app.kubernetes.io/name=cu-prepull-test",
    });
    expect(left.items).toEqual([]);
    expect(
      t.sim
        .journal()
        .filter((e) => e.name === "cu-prepull-test")
        .map((e) => e.verb),
    ).toEqual(["create", "delete"]);
  });

  it("a refused pull shows the kubelet's ErrImagePull then ImagePullBackOff on that node only", async () => {
    t = await startTestSimulator();
    t.sim.setFaults({ imagePull: { mode: "fail", match: "cluedin/ui:", nodes: ["2"] } });
    const client = new NodeClient({ kubeConfig: kubeConfig(t.sim), namespace: "cluedin" });
    await createPrePull(t, [UI_NEXT]);
    // The pod's sandbox (2 s), then the registry round trip (1 s) that answers 429.
    t.clock.advanceBy(3_500);
    let pod = (await client.observeDaemonSet("cu-prepull-test")).pods.find((p) => p.node === NODES[2]);
    expect(pod?.waiting).toMatch(/ErrImagePull: Failed to pull image .* 429 Too Many Requests .*toomanyrequests/);
    t.clock.advanceBy(60_000);
    const seen = await client.observeDaemonSet("cu-prepull-test");
    pod = seen.pods.find((p) => p.node === NODES[2]);
    expect(pod?.waiting).toMatch(
      /ImagePullBackOff: Back-off pulling image "cluedinprod.azurecr.io\/cluedin\/ui:2025.01.00"/,
    );
    expect(seen.ready).toBe(2);
  });

  it("a slow registry makes the pulls longer; a full disk fails them with no space left", async () => {
    t = await startTestSimulator();
    t.sim.setFaults({ imagePull: { mode: "slow", factor: 3 }, nodeDiskFull: ["0"] });
    const client = new NodeClient({ kubeConfig: kubeConfig(t.sim), namespace: "cluedin" });
    await createPrePull(t, [SERVER_NEXT]);
    t.clock.advanceBy(60_000);
    expect((await client.observeDaemonSet("cu-prepull-test")).ready).toBe(0);
    t.clock.advanceBy(70_000);
    const seen = await client.observeDaemonSet("cu-prepull-test");
    expect(seen.ready).toBe(2);
    expect(seen.pods.find((p) => p.node === NODES[0])?.waiting).toContain("no space left on device");
    const facts = await client.facts();
    const full = facts.nodes.find((n) => n.name === NODES[0])!;
    expect(full.ephemeralCapacityBytes).toBeLessThan(40e9);
  });
});
