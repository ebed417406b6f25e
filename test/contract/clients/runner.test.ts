import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { AksClient } from "../../../lib/clients/aks.js";
import {
  helmRollbackArgs,
  helmUpgradeArgs,
  parseHelmFailure,
  parseRabbitmqQueues,
  rabbitmqListQueuesArgs,
} from "../../../lib/clients/helm.js";
import { CliRunner } from "../../../lib/clients/cli-runner.js";
import { KubeClient } from "../../../lib/clients/kube.js";
import { RunCommandRunner, runCommandLine } from "../../../lib/clients/runner.js";
import type { CommandHandle, CommandPoll, HelmCommandFile } from "../../../lib/clients/types.js";
import { startSimFixture, type SimFixture } from "./fixtures/simulator.js";
import { DOCUMENTED_CHART_REPOSITORY } from "../../../lib/config/chart-source.js";

let fx: SimFixture;
let runner: RunCommandRunner;
let kube: KubeClient;
let kubeConfig: KubeConfig;
const hasKubectl = spawnSync("kubectl", ["version", "--client"]).status === 0;

beforeAll(async () => {
  fx = await startSimFixture();
  const aks = new AksClient({
    target: fx.target,
    credential: fx.credential,
    extraCaPem: fx.sim.caCertPem,
    now: () => fx.clock.now(),
  });
  runner = new RunCommandRunner({ aks, clusterToken: true });
  kubeConfig = await aks.kubeConfig();
  kube = new KubeClient({ kubeConfig, namespace: fx.sim.namespace, now: () => fx.clock.now() });
});

afterAll(async () => {
  await fx.close();
});

afterEach(() => {
  fx.sim.setFaults({ helmUpgrade: null });
});

async function finish(handle: CommandHandle, stepMs = 30_000): Promise<Extract<CommandPoll, { state: "done" }>> {
  for (let i = 0; i < 200; i++) {
    const poll = await runner.poll(handle);
    if (poll.state === "done") return poll;
    fx.clock.advanceBy(stepMs);
  }
  throw new Error("the command never finished");
}

/** The deployed revision's values with the platform tags moved to `tag`. */
async function valuesFor(tag: string, name: string): Promise<HelmCommandFile> {
  const [deployed] = (await kube.listHelmRevisions("cluedin-platform")).filter((r) => r.status === "deployed");
  const doc = parseDocument(deployed!.valuesYaml);
  doc.setIn(["global", "image", "tag"], tag);
  doc.setIn(["application", "cluedin", "image", "tag"], tag);
  return { name, content: doc.toString() };
}

const upgradeTo = (valuesFile: string, description: string, version = "2.5.0"): string[] =>
  helmUpgradeArgs({
    release: "cluedin-platform",
    namespace: "cluedin",
    source: { kind: "repo", url: DOCUMENTED_CHART_REPOSITORY },
    version,
    reuseValues: false,
    valuesFiles: [valuesFile],
    set: { "application.system.runDatabaseJobsOnUpgrade": true, "application.system.runNugetFullRestore": true },
    wait: true,
    timeout: "10m0s",
    description,
  });

describe("RunCommandRunner against the simulated cluster", () => {
  it("runs the runbook's helm upgrade with the values file, and the release moves on", async () => {
    const values = await valuesFor("2025.05.00", "values-demo-2025-05-00.yml");
    const handle = await runner.start([upgradeTo(values.name, "run-1 basic #1")], [values]);
    expect(handle.driver).toBe("run-command");
    const done = await finish(handle);
    expect(done.exitCode).toBe(0);
    expect(done.logs).toContain('Release "cluedin-platform" has been upgraded. Happy Helming!');
    expect(parseHelmFailure(done.logs)).toBeUndefined();
    const [latest] = await kube.listHelmRevisions("cluedin-platform");
    expect(latest).toMatchObject({
      revision: 4,
      status: "deployed",
      chartVersion: "2.5.0",
      description: "run-1 basic #1",
    });
    expect(fx.sim.state().commands.at(-1)?.command).toBe(runCommandLine([upgradeTo(values.name, "run-1 basic #1")]));
  });

  it("sees the server start again after the upgrade", async () => {
    const scan = await kube.scanServerLogs({ sinceSeconds: 3600 });
    expect(scan.applicationStarted).toBe(true);
    expect((await kube.podsSummary()).images["cluedin-server"]).toMatch(/:2025\.05\.00$/);
  });

  it("reports a helm upgrade that times out as a failed command with helm's error", async () => {
    fx.sim.setFaults({ helmUpgrade: "timeout" });
    const values = await valuesFor("2025.05.02", "values-demo-2025-05-02.yml");
    const done = await finish(await runner.start([upgradeTo(values.name, "run-2 basic #1", "2.5.3")], [values]));
    expect(done.exitCode).not.toBe(0);
    expect(parseHelmFailure(done.logs)).toMatchObject({ kind: "timeout" });
    expect((await kube.listHelmRevisions("cluedin-platform"))[0]).toMatchObject({ revision: 5, status: "failed" });
  });

  it("rolls back to the last deployed revision", async () => {
    const rollback = helmRollbackArgs({
      release: "cluedin-platform",
      namespace: "cluedin",
      revision: 4,
      wait: true,
      timeout: "10m0s",
    });
    const done = await finish(await runner.start([rollback], []));
    expect(done).toMatchObject({ exitCode: 0 });
    expect(done.logs).toContain("Rollback was a success! Happy Helming!");
    expect((await kube.listHelmRevisions("cluedin-platform"))[0]).toMatchObject({
      revision: 6,
      status: "deployed",
      chartVersion: "2.5.0",
    });
  });

  it("reads the RabbitMQ queue depths through kubectl exec", async () => {
    const done = await finish(
      await runner.start([rabbitmqListQueuesArgs({ namespace: "cluedin", pod: "cluedin-rabbitmq-0" })], []),
      2_000,
    );
    expect(done.exitCode).toBe(0);
    const queues = parseRabbitmqQueues(done.logs);
    expect(queues.length).toBeGreaterThan(3);
    expect(queues.map((q) => q.name)).toContain("ingestion-data-set");
    expect(queues.every((q) => Number.isInteger(q.messages) && Number.isInteger(q.consumers))).toBe(true);
  });

  it("refuses unsafe command file names before anything reaches the cluster", async () => {
    const before = fx.sim.state().commands.length;
    await expect(runner.start([["helm", "list"]], [{ name: "../../etc/passwd", content: "" }])).rejects.toThrow(
      /file name/,
    );
    expect(fx.sim.state().commands.length).toBe(before);
  });
});

describe.skipIf(!hasKubectl)("CliRunner with the real kubectl against the simulated cluster", () => {
  it("runs kubectl with the AAD cluster's token in a private kubeconfig, then removes it", async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), "cli-runs-"));
    try {
      const cli = new CliRunner({ kubeConfig, stateDir });
      const handle = await cli.start([["kubectl", "get", "pods", "-n", "cluedin", "-o", "name"]], []);
      let poll = await cli.poll(handle);
      for (let i = 0; i < 300 && poll.state === "running"; i++) {
        await sleep(50);
        poll = await cli.poll(handle);
      }
      expect(poll).toMatchObject({ state: "done", exitCode: 0 });
      expect(poll.state === "done" && poll.logs).toMatch(/^pod\/cluedin-server-/m);
      const [runDir] = await readdir(stateDir);
      expect((await readdir(path.join(stateDir, runDir!))).sort()).toEqual(["exit-code", "output.log", "pid"]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
