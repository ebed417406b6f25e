import type { ContainerServiceClient } from "@azure/arm-containerservice";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { armClient } from "./clients.js";
import { runOnCluster, startTestSimulator, type TestSimulator } from "./harness.js";

const UPGRADE =
  "helm upgrade cluedin-platform cluedin-platform --repo https://cluedin-io.github.io/Charts/ -n cluedin --version 2.5.0 --values values.yaml --wait --timeout 10m0s";
const VALUES = { "values.yaml": 'global:\n  image:\n    tag: "2025.05.00"\n' };

const DATA_UPGRADE = `kubectl apply -f - <<EOF
apiVersion: api.cluedin.com/v1
kind: DataUpgrade
metadata:
  annotations:
    meta.helm.sh/release-name: cluedin-platform
    meta.helm.sh/release-namespace: cluedin
  labels:
    app: cluedin
    app.kubernetes.io/instance: cluedin-platform
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/name: application
    helm.sh/chart: application-2.5.1
    release: cluedin-platform
  name: data-upgrade-450
  namespace: cluedin
spec:
  toVersion: Version450
EOF`;

describe("helm and kubectl as Run Command sees them", () => {
  let t: TestSimulator;
  let aks: ContainerServiceClient;
  const run = (command: string, options: Parameters<typeof runOnCluster>[3] = {}) =>
    runOnCluster(aks, t, command, options);

  beforeEach(async () => {
    t = await startTestSimulator();
    aks = armClient(t.sim);
  });
  afterEach(() => t.close());

  it("reads the release like the runbook: list, history, status, get values", async () => {
    const list = await run("helm list -a -n cluedin");
    expect(list.exitCode).toBe(0);
    expect(list.logs).toMatch(/^NAME\s+\tNAMESPACE\t/);
    expect(list.logs).toContain("cluedin-platform-2.4.2");
    const json = await run("helm list -a -n cluedin -o json");
    expect(JSON.parse(json.logs ?? "")).toEqual([
      expect.objectContaining({
        name: "cluedin-platform",
        revision: "3",
        status: "deployed",
        chart: "cluedin-platform-2.4.2",
        app_version: "2024.12",
      }),
    ]);
    const history = JSON.parse((await run("helm history cluedin-platform -n cluedin -o json")).logs ?? "") as {
      revision: number;
      status: string;
    }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, "superseded"],
      [2, "superseded"],
      [3, "deployed"],
    ]);
    const status = await run("helm status cluedin-platform -n cluedin");
    expect(status.logs).toContain("STATUS: deployed\nREVISION: 3\n");
    const values = await run("helm get values cluedin-platform -n cluedin -o yaml > current.yml && cat current.yml");
    expect(values.logs).toMatch(/^global:\n {2}image:\n {4}tag: 2024\.12\.02\n/);
    expect(values.logs).toContain("Contoso.Enrichment");
    const table = await run("helm get values cluedin-platform -n cluedin");
    expect(table.logs).toMatch(/^USER-SUPPLIED VALUES:\n/);
    const missing = await run("helm status nope -n cluedin");
    expect(missing).toMatchObject({ exitCode: 1, logs: "Error: release: not found\n" });
  });

  it("answers bad flags, unknown charts and bad values files as helm does", async () => {
    expect((await run(`${UPGRADE} --bogus`, { files: VALUES })).logs).toBe("Error: unknown flag: --bogus\n");
    const version = await run(UPGRADE.replace("2.5.0", "9.9.9"), { files: VALUES });
    expect(version.exitCode).toBe(1);
    expect(version.logs).toBe(
      'Error: chart "cluedin-platform" version "9.9.9" not found in https://cluedin-io.github.io/Charts/ repository\n',
    );
    const tabs = await run(UPGRADE, { files: { "values.yaml": "global:\n\timage:\n\t\ttag: x\n" } });
    expect(tabs.logs).toBe(
      "Error: failed to parse values.yaml: error converting YAML to JSON: yaml: line 2: found character that cannot start any token\n",
    );
    const absent = await run(UPGRADE);
    expect(absent.logs).toBe("Error: open values.yaml: no such file or directory\n");
    const timeout = await run(UPGRADE.replace("10m0s", "ten"), { files: VALUES });
    expect(timeout.logs).toContain('invalid argument "ten" for "--timeout" flag');
    const set = await run(`${UPGRADE} --set application.system.upgradeMode`, { files: VALUES });
    expect(set.logs).toBe('Error: failed parsing --set data: key "application.system.upgradeMode" has no value\n');
    const args = await run("helm upgrade cluedin-platform", { files: VALUES });
    expect(args.logs).toContain('Error: "helm upgrade" requires 2 arguments');
    const unknown = await run("helm frobnicate");
    expect(unknown.logs).toContain('Error: unknown command "frobnicate" for "helm"');
    const notFound = await run("jq .");
    expect(notFound).toMatchObject({ exitCode: 127, logs: "sh: 1: jq: not found\n" });
    expect(t.sim.state().helmOperations).toEqual([]);
    expect(t.sim.state().release.revisions).toHaveLength(3);
  });

  it("follows Helm's value rules: --reuse-values merges, no values reuses, --set alone replaces", async () => {
    const chart =
      "helm upgrade cluedin-platform cluedin-platform --repo https://cluedin-io.github.io/Charts -n cluedin --version 2.4.2";
    const values = async (): Promise<Record<string, unknown>> =>
      JSON.parse((await run("helm get values cluedin-platform -n cluedin -o json")).logs ?? "") as Record<
        string,
        unknown
      >;
    expect((await run(`${chart} --reuse-values --set application.system.upgradeMode=true`)).exitCode).toBe(0);
    const reused = await values();
    expect(reused).toMatchObject({
      global: { image: { tag: "2024.12.02" } },
      application: { system: { upgradeMode: true } },
    });
    expect((await run(chart)).exitCode).toBe(0);
    expect(await values()).toEqual(reused);
    expect((await run(`${chart} --set application.system.upgradeMode=false`)).exitCode).toBe(0);
    expect(await values()).toEqual({ application: { system: { upgradeMode: false } } });
    const revision4 = JSON.parse(
      (await run("helm get values cluedin-platform -n cluedin -o json --revision 4")).logs ?? "",
    ) as unknown;
    expect(revision4).toEqual(reused);
    const computed = await run("helm get values cluedin-platform -n cluedin --all -o yaml");
    // Chart 2.4.2 values.yaml: global.image.tag "2024.12".
    expect(computed.logs).toContain(`tag: "2024.12"`);
    expect(t.sim.state().helmOperations.map((o) => o.outcome)).toEqual(["deployed", "deployed", "deployed"]);
  });

  it("at the runbook's durations: helm --wait returns after about 9 min, the database jobs 11 min later", async () => {
    await t.close();
    t = await startTestSimulator(undefined, 1, "runbook");
    aks = armClient(t.sim);
    const withJobs = `${UPGRADE} --set application.system.runDatabaseJobsOnUpgrade=true`;
    const result = await run(withJobs, { files: VALUES, stepMs: 1_000, maxSteps: 1_000 });
    expect(result).toMatchObject({ provisioningState: "Succeeded", exitCode: 0 });
    const state = t.sim.state();
    const command = state.commands.at(-1);
    const helmMs = Date.parse(command?.finishedAt ?? "") - Date.parse(command?.submittedAt ?? "");
    // "After about 10 minutes, the Helm command [...] should complete" (upgrade-guide/030), inside --timeout 10m0s.
    expect(helmMs).toBeGreaterThan(8 * 60_000);
    expect(helmMs).toBeLessThan(10 * 60_000);
    // "It can take an additional 10–15 minutes for all pods to become fully healthy": the jobs still run.
    expect(state.jobs.map((j) => j.status)).toEqual(["Running", "Running", "Running"]);
    const settled = Date.parse(state.rollouts.at(-1)?.settledAt ?? "") - Date.parse(command?.finishedAt ?? "");
    expect(settled).toBeGreaterThanOrEqual(10 * 60_000);
    expect(settled).toBeLessThanOrEqual(15 * 60_000);
    t.clock.advanceBy(settled);
    expect(t.sim.state().jobs.map((j) => j.status)).toEqual(["Complete", "Complete", "Complete"]);
  });

  it("times out with the helmUpgrade fault: release failed, previous stays deployed, pods come up later", async () => {
    t.sim.setFaults({ helmUpgrade: { mode: "timeout", count: 1 } });
    const result = await run(UPGRADE, { files: VALUES, stepMs: 15_000 });
    expect(result).toMatchObject({ provisioningState: "Succeeded", exitCode: 1 });
    expect(result.logs).toBe("Error: UPGRADE FAILED: context deadline exceeded\n");
    const revisions = t.sim.state().release.revisions;
    expect(revisions.map((r) => r.status)).toEqual(["superseded", "superseded", "deployed", "failed"]);
    expect(revisions[3]?.description).toBe('Upgrade "cluedin-platform" failed: context deadline exceeded');
    expect(t.sim.state().helmOperations.map((o) => o.outcome)).toEqual(["failed"]);
    t.clock.advanceBy(5 * 60_000);
    expect(t.sim.state().pods.find((p) => p.workload === "cluedin-server")).toMatchObject({
      ready: true,
      image: expect.stringContaining(":2025.05.00"),
    });
    expect(t.sim.state().faults.helmUpgrade).toBeNull();
  });

  it("leaves pending-upgrade when helm dies; the next upgrade is refused until a rollback", async () => {
    t.sim.setFaults({ helmUpgrade: "dies" });
    const died = await run(UPGRADE, { files: VALUES });
    expect(died.provisioningState).toBe("Failed");
    expect(died.reason).toContain("terminated");
    expect(t.sim.state().release.revisions.at(-1)?.status).toBe("pending-upgrade");
    t.sim.setFaults({ helmUpgrade: null });
    const refused = await run(UPGRADE, { files: VALUES });
    expect(refused).toMatchObject({
      exitCode: 1,
      logs: "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n",
    });
    const rollback = await run("helm rollback cluedin-platform 3 -n cluedin --wait --timeout 10m0s");
    expect(rollback).toMatchObject({ exitCode: 0, logs: "Rollback was a success! Happy Helming!\n" });
    const revisions = t.sim.state().release.revisions;
    expect(revisions.map((r) => [r.revision, r.status, r.description])).toEqual([
      [1, "superseded", "Install complete"],
      [2, "superseded", "Upgrade complete"],
      [3, "superseded", "Upgrade complete"],
      [4, "pending-upgrade", "Preparing upgrade"],
      [5, "deployed", "Rollback to 3"],
    ]);
    const retried = await run(UPGRADE, { files: VALUES });
    expect(retried.exitCode).toBe(0);
    expect(t.sim.state().helmOperations.map((o) => [o.kind, o.revision, o.outcome])).toEqual([
      ["upgrade", 4, "killed"],
      ["rollback", 5, "deployed"],
      ["upgrade", 6, "deployed"],
    ]);
  });

  it("fails helm and kubectl without a valid cluster token", async () => {
    const helm = await run("helm list -n cluedin", { clusterToken: null });
    expect(helm.logs).toBe(
      "Error: Kubernetes cluster unreachable: the server has asked for the client to provide credentials\n",
    );
    const kubectl = await run("kubectl get pods -n cluedin", { clusterToken: "wrong" });
    expect(kubectl).toMatchObject({ exitCode: 1, logs: "error: You must be logged in to the server (Unauthorized)\n" });
  });

  it("applies the runbook's DataUpgrade with kubectl apply and a heredoc", async () => {
    const applied = await run(DATA_UPGRADE);
    expect(applied).toMatchObject({ exitCode: 0, logs: "dataupgrade.api.cluedin.com/data-upgrade-450 created\n" });
    const again = await run(DATA_UPGRADE);
    expect(again.logs).toBe("dataupgrade.api.cluedin.com/data-upgrade-450 unchanged\n");
    t.clock.advanceBy(5 * 60_000);
    const status = await run("kubectl get dataupgrade data-upgrade-450 -n cluedin -o jsonpath='{.status.phase}'");
    expect(status.logs).toBe("Succeeded");
    const logs = await run("kubectl logs deploy/cluedin-server -n cluedin --since=10m | grep 'responded 200'");
    expect(logs.logs).toMatch(/HTTP POST \/api\/upgradeto\/Version450 responded 200/);
    expect(t.sim.state().dataUpgradeCreations).toEqual([
      expect.objectContaining({ name: "data-upgrade-450", via: "kubectl apply" }),
    ]);
    const invalid = await run("kubectl apply -f du.yaml", {
      files: {
        "du.yaml":
          "apiVersion: api.cluedin.com/v1\nkind: DataUpgrade\nmetadata:\n  name: bad\n  namespace: cluedin\nspec: {}\n",
      },
    });
    expect(invalid).toMatchObject({
      exitCode: 1,
      logs: 'The DataUpgrade "bad" is invalid: spec.toVersion: Required value\n',
    });
  });

  it("lists pods, reads logs and queue depths with kubectl inside the command", async () => {
    const pods = await run("kubectl get pods -n cluedin");
    expect(pods.logs?.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods.logs).toMatch(/cluedin-server-\S+\s+1\/1\s+Running\s+0\s+14d/);
    const queues = await run(
      "kubectl exec cluedin-rabbitmq-0 -n cluedin -- rabbitmqctl list_queues name messages consumers --formatter json -q",
    );
    const rows = JSON.parse(queues.logs ?? "") as { name: string; messages: number; consumers: number }[];
    expect(rows.find((r) => r.name === "ingestion-data-set")).toMatchObject({
      messages: expect.any(Number),
      consumers: 2,
    });
    expect(rows.find((r) => r.name === "DeadLetterCommands")).toEqual({
      name: "DeadLetterCommands",
      messages: 3,
      consumers: 0,
    });
    const table = await run("kubectl exec -n cluedin cluedin-rabbitmq-0 -- rabbitmqctl list_queues name messages");
    expect(table.logs).toContain("Listing queues for vhost / ...\nname\tmessages\n");
    const other = await run("kubectl exec cluedin-rabbitmq-0 -n cluedin -- curl localhost");
    expect(other.exitCode).toBe(126);
    const unknownType = await run("kubectl get widgets -n cluedin");
    expect(unknownType.logs).toBe('error: the server doesn\'t have a resource type "widgets"\n');
  });
});
