import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { kubeConfig } from "./clients.js";
import { simulatorPerTest } from "./harness.js";

// The failure symptoms of CluedIn.Documentation upgrade-guide/050-resolve-common-upgrade-issues.md, read the way
// diagnosis code reads them: @kubernetes/client-node's readNamespacedPodLog and listNamespacedEvent.
const SCENARIOS = new URL("../../../local/sim/scenarios/", import.meta.url).pathname;

async function podOf(core: CoreV1Api, prefix: string): Promise<V1Pod> {
  const pods = await core.listNamespacedPod({ namespace: "cluedin" });
  const pod = pods.items.find((p) => p.metadata?.name?.startsWith(prefix) && !p.metadata.deletionTimestamp);
  if (!pod) throw new Error(`no pod ${prefix}`);
  return pod;
}

const eventsOf = async (core: CoreV1Api, pod: V1Pod) =>
  (
    await core.listNamespacedEvent({
      namespace: "cluedin",
      fieldSelector: `involvedObject.name=${pod.metadata?.name ?? ""}`,
    })
  ).items;

describe("Scenario 1: CrashLoopBackOff, OOMKilled, previous container log", () => {
  const sim = simulatorPerTest(`${SCENARIOS}oom-killed.yaml`);

  it("shows the OOMKilled last state and the previous log's OutOfMemoryError", async () => {
    sim.t.clock.advanceBy(2 * 60_000);
    const core = kubeConfig(sim.t.sim).makeApiClient(CoreV1Api);
    const pod = await podOf(core, "cluedin-neo4j-0");
    const status = pod.status?.containerStatuses?.[0];
    expect(status?.lastState?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    expect(status?.restartCount).toBeGreaterThan(0);
    const previous = await core.readNamespacedPodLog({ name: "cluedin-neo4j-0", namespace: "cluedin", previous: true });
    expect(previous).toMatch(/ERROR OutOfMemoryError: Java heap space\n.*shutting down due to fatal error\n$/);
    const events = await eventsOf(core, pod);
    expect(events.find((e) => e.reason === "BackOff")?.type).toBe("Warning");
    const listed = await sim.run("kubectl get pods cluedin-neo4j-0 -n cluedin --no-headers");
    expect(listed.logs).toMatch(/^cluedin-neo4j-0\s+0\/1\s+(CrashLoopBackOff|Running)\s+\d+/);
    const cli = await sim.run("kubectl logs cluedin-neo4j-0 -n cluedin -p");
    expect(cli.logs).toContain("ERROR OutOfMemoryError: Java heap space");
  });
});

describe("Scenario 2: Running but not ready", () => {
  const sim = simulatorPerTest(`${SCENARIOS}readiness-failing.yaml`);

  it("records Warning Unhealthy readiness events and a log waiting for the database", async () => {
    sim.t.clock.advanceBy(60_000);
    const core = kubeConfig(sim.t.sim).makeApiClient(CoreV1Api);
    const pod = await podOf(core, "cluedin-gql-");
    expect(pod.status?.phase).toBe("Running");
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    const unhealthy = (await eventsOf(core, pod)).find((e) => e.reason === "Unhealthy");
    expect(unhealthy).toMatchObject({ type: "Warning", source: { component: "kubelet" } });
    expect(unhealthy?.message).toMatch(/^Readiness probe failed: /);
    expect(unhealthy?.count).toBeGreaterThan(1);
    const log = await core.readNamespacedPodLog({ name: pod.metadata?.name ?? "", namespace: "cluedin" });
    expect(log).toContain("WARN Waiting for database connection...");
    expect(log).toContain("ERROR Timeout connecting to SQL at cluedin-sqlserver:1433");
  });
});

describe("Scenario 4: Pending on an init container", () => {
  const sim = simulatorPerTest(`${SCENARIOS}init-container-waiting.yaml`);

  it("keeps cluedin-ui in PodInitializing while wait-cluedin-gql fails", async () => {
    sim.t.clock.advanceBy(3 * 60_000);
    const core = kubeConfig(sim.t.sim).makeApiClient(CoreV1Api);
    const pod = await podOf(core, "cluedin-ui-");
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.spec?.initContainers?.[0]).toMatchObject({
      name: "wait-cluedin-gql",
      args: ["service", "cluedin-gql", "-n", "cluedin"],
    });
    expect(pod.status?.initContainerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      reason: "Error",
      exitCode: 1,
    });
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    const failed = (await eventsOf(core, pod)).find((e) => e.reason === "Failed");
    expect(failed).toMatchObject({ type: "Warning", message: 'Init container "wait-cluedin-gql" failed' });
    const initLog = await core.readNamespacedPodLog({
      name: pod.metadata?.name ?? "",
      namespace: "cluedin",
      container: "wait-cluedin-gql",
    });
    expect(initLog).toContain("Waiting for service cluedin-gql...");
    const listed = await sim.run("kubectl get pods -n cluedin --no-headers");
    expect(listed.logs).toMatch(/^cluedin-ui-\S+\s+0\/1\s+Init:(Error|CrashLoopBackOff)\s+/m);
    expect(sim.t.sim.state().ui.ready).toBe(false);
  });
});
