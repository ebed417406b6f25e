import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AksClient } from "../../../lib/clients/aks.js";
import { ClusterApiError } from "../../../lib/clients/errors.js";
import { aksAadServerScope } from "../../../lib/clients/aad.js";
import { aadAuthProviderName } from "../../../lib/clients/kubeconfig.js";
import type { CommandHandle, CommandPoll } from "../../../lib/clients/types.js";
import { startSimFixture, type SimFixture } from "./fixtures/simulator.js";

let fx: SimFixture;
let aks: AksClient;

beforeAll(async () => {
  fx = await startSimFixture();
  aks = new AksClient({
    target: fx.target,
    credential: fx.credential,
    extraCaPem: fx.sim.caCertPem,
    now: () => fx.clock.now(),
  });
});

afterAll(async () => {
  await fx.close();
});

afterEach(() => {
  fx.sim.setFaults({ arm: null, runCommand: null });
});

/** Polls, moving the virtual clock on between polls, until the command is done. */
async function finish(
  handle: CommandHandle,
  stepMs = 5_000,
): Promise<{ polls: CommandPoll[]; done: Extract<CommandPoll, { state: "done" }> }> {
  const polls: CommandPoll[] = [];
  for (let i = 0; i < 500; i++) {
    const poll = await aks.pollRunCommand(handle);
    polls.push(poll);
    if (poll.state === "done") return { polls, done: poll };
    fx.clock.advanceBy(stepMs);
  }
  throw new Error("the command never finished");
}

describe("AksClient against the simulated ARM", () => {
  it("reads the cluster's facts with a management-plane token", async () => {
    expect(await aks.facts()).toEqual({
      kubernetesVersion: "1.30.6",
      aadManaged: true,
      azureRbac: true,
      privateCluster: false,
      runCommandAllowed: true,
      provisioningState: "Succeeded",
    });
    expect(fx.credential.scopes).toContain("https://management.azure.com/.default");
  });

  it("builds a KubeConfig for the AAD cluster that uses the credential instead of kubelogin", async () => {
    const kc = await aks.kubeConfig();
    expect(kc.getCurrentCluster()?.server).toBe(fx.sim.kubeServer);
    expect(kc.getCurrentUser()?.authProvider).toMatchObject({ name: aadAuthProviderName });
    expect(kc.getCurrentUser()?.exec).toBeUndefined();
    expect(JSON.stringify(kc.getCurrentUser())).not.toContain(fx.sim.token);
  });

  it("starts a command, returns at once, and reports it running, then done with its output", async () => {
    const handle = await aks.startRunCommand("helm list -a -n cluedin", [], { clusterToken: true });
    expect(handle).toMatchObject({ driver: "run-command", startedAt: new Date(fx.clock.now()).toISOString() });
    expect(fx.credential.scopes).toContain(aksAadServerScope);
    const { polls, done } = await finish(handle);
    expect(polls[0]).toEqual({ state: "running" });
    expect(done.exitCode).toBe(0);
    expect(done.logs).toContain("cluedin-platform-2.4.2");
    expect(Date.parse(done.finishedAt)).toBeGreaterThan(Date.parse(handle.startedAt));
  });

  it("sends files in the command's working directory", async () => {
    const handle = await aks.startRunCommand("cat values-dev.yml", [
      { name: "values-dev.yml", content: 'global:\n  image:\n    tag: "2025.05.00"\n' },
    ]);
    const { done } = await finish(handle);
    expect(done).toMatchObject({ exitCode: 0, logs: 'global:\n  image:\n    tag: "2025.05.00"\n' });
  });

  it("reports a failing command's exit code", async () => {
    const { done } = await finish(await aks.startRunCommand("helm status no-such-release -n cluedin", []));
    expect(done.exitCode).not.toBe(0);
    expect(done.logs).toContain("Error:");
  });

  it("throws a transient error naming the operation for a throttled ARM, without retrying itself", async () => {
    fx.sim.setFaults({ arm: { status: 429, count: 1, retryAfterSeconds: 3 } });
    const before = fx.sim.state().injectedFaults.length;
    const error = await aks.facts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterApiError);
    expect(error).toMatchObject({ transient: true, status: 429 });
    expect((error as Error).message).toMatch(/^AKS get cluster failed: HTTP 429 \(transient\)/);
    expect(fx.sim.state().injectedFaults.length - before).toBe(1);
    await expect(aks.facts()).resolves.toMatchObject({ aadManaged: true });
  });

  it("throws a transient error when Run Command answers 500", async () => {
    fx.sim.setFaults({ runCommand: { status: 500, count: 1 } });
    await expect(aks.startRunCommand("helm list", [])).rejects.toThrow(
      /^AKS run command failed: HTTP 500 \(transient\)/,
    );
  });

  it("throws a transient error when polling a result answers 503", async () => {
    const handle = await aks.startRunCommand("helm list", []);
    fx.sim.setFaults({ runCommand: { status: 503, count: 1 } });
    await expect(aks.pollRunCommand(handle)).rejects.toMatchObject({ transient: true, status: 503 });
    await expect(aks.pollRunCommand(handle)).resolves.toBeDefined();
  });

  it("gives up on an ARM that does not answer, as a transient timeout", async () => {
    fx.sim.setFaults({ arm: { status: "timeout", count: 1, hangMs: 3_000 } });
    const impatient = new AksClient({
      target: fx.target,
      credential: fx.credential,
      extraCaPem: fx.sim.caCertPem,
      requestTimeoutMs: 200,
    });
    const started = Date.now();
    await expect(impatient.facts()).rejects.toMatchObject({
      transient: true,
      message: expect.stringMatching(/timeout/) as unknown,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reports a refused token as a permanent error that does not contain it", async () => {
    const wrong = new AksClient({
      target: fx.target,
      credential: {
        getToken: () => Promise.resolve({ token: "wrong-token-value", expiresOnTimestamp: Date.now() + 60_000 }),
      },
      extraCaPem: fx.sim.caCertPem,
    });
    const error = (await wrong.facts().catch((e: unknown) => e)) as ClusterApiError;
    expect(error).toMatchObject({ transient: false, status: 401 });
    expect(error.message).not.toContain("wrong-token-value");
    expect(JSON.stringify(error.cause)).not.toContain("wrong-token-value");
  });

  it("refuses to trust the simulator without its CA", async () => {
    const untrusting = new AksClient({ target: fx.target, credential: fx.credential });
    await expect(untrusting.facts()).rejects.toThrow(/AKS get cluster failed/);
  });

  it("refuses a handle of another driver", async () => {
    await expect(aks.pollRunCommand({ driver: "cli", runId: "x", startedAt: "" })).rejects.toThrow(
      /not a run-command handle/,
    );
  });
});
