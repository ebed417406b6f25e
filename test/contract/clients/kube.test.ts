import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PLANTED_SECRETS } from "../../../local/sim/index.js";
import { AksClient } from "../../../lib/clients/aks.js";
import { ClusterApiError } from "../../../lib/clients/errors.js";
import { KubeClient } from "../../../lib/clients/kube.js";
import { startSimFixture, type SimFixture } from "./fixtures/simulator.js";

let fx: SimFixture;
let kubeConfig: KubeConfig;
let kube: KubeClient;

const dataUpgrade = {
  name: "data-upgrade-450",
  toVersion: "Version450",
  chartVersion: "2.4.2",
  releaseName: "cluedin-platform",
};

beforeAll(async () => {
  fx = await startSimFixture();
  const aks = new AksClient({ target: fx.target, credential: fx.credential, extraCaPem: fx.sim.caCertPem });
  kubeConfig = await aks.kubeConfig();
  kube = new KubeClient({ kubeConfig, namespace: fx.sim.namespace, now: () => fx.clock.now() });
});

afterAll(async () => {
  await fx.close();
});

afterEach(() => {
  fx.sim.setFaults({ kube: null, crashLoop: [], serverLogErrors: false, dataUpgrade: null });
});

describe("KubeClient against the simulated API server", () => {
  it("reads the Helm history from the release Secrets, newest first, with the user values", async () => {
    const revisions = await kube.listHelmRevisions("cluedin-platform");
    expect(revisions.map(({ valuesYaml: _values, updatedAt: _at, description: _d, ...r }) => r)).toEqual([
      // Chart.yaml appVersion is the release train (CluedIn-io/Charts), the release itself is in the values.
      { revision: 3, status: "deployed", chartVersion: "2.4.2", appVersion: "2024.12" },
      { revision: 2, status: "superseded", chartVersion: "2.4.1", appVersion: "2024.12" },
      { revision: 1, status: "superseded", chartVersion: "2.3.2", appVersion: "2024.07" },
    ]);
    const values = parse(revisions[0]!.valuesYaml) as { global: { image: { tag: string } } };
    expect(values.global.image.tag).toBe("2024.12.02");
    expect(Date.parse(revisions[0]!.updatedAt)).not.toBeNaN();
  });

  it("finds no revisions of a release that does not exist, and refuses a malformed name", async () => {
    expect(await kube.listHelmRevisions("other-release")).toEqual([]);
    await expect(kube.listHelmRevisions("a,owner!=helm")).rejects.toThrow();
  });

  it("sees a healthy installation: pods ready or completed, jobs complete, images per workload", async () => {
    const summary = await kube.podsSummary();
    expect(summary).toMatchObject({ healthy: true, problems: [] });
    expect(summary.ready + summary.completed).toBe(summary.total);
    expect(summary.total).toBeGreaterThan(10);
    expect(summary.jobs.length).toBeGreaterThan(0);
    expect(summary.jobs.every((j) => j.complete && !j.failed)).toBe(true);
    expect(summary.images["cluedin-server"]).toMatch(/:2024\.12\.02$/);
  });

  it("reports a crash-looping workload as a problem with its reason", async () => {
    fx.sim.setFaults({ crashLoop: ["cluedin-gql"] });
    fx.clock.advanceBy(5 * 60_000);
    const summary = await kube.podsSummary();
    expect(summary.healthy).toBe(false);
    expect(summary.problems).toContainEqual(
      expect.objectContaining({ pod: expect.stringMatching(/^cluedin-gql-/) as unknown, reason: "CrashLoopBackOff" }),
    );
  });

  it("scans the server log over the window asked for: no errors, startup only when it falls inside", async () => {
    expect(await kube.scanServerLogs({ sinceSeconds: 600 })).toEqual({
      windowSeconds: 600,
      errorLines: [],
      applicationStarted: false,
    });
    const sinceInstall = await kube.scanServerLogs({ sinceSeconds: 365 * 24 * 3600 });
    expect(sinceInstall).toMatchObject({ errorLines: [], applicationStarted: true });
  });

  it("finds ERR and FTL lines, redacted, when the server logs errors", async () => {
    fx.sim.setFaults({ serverLogErrors: true });
    const scan = await kube.scanServerLogs({ sinceSeconds: 600 });
    expect(scan.errorLines.length).toBeGreaterThan(0);
    expect(scan.errorLines.every((line) => / (ERR|FTL)\]/.test(line))).toBe(true);
    const text = scan.errorLines.join("\n");
    for (const secret of Object.values(PLANTED_SECRETS)) expect(text).not.toContain(secret);
  });

  it("creates the DataUpgrade once, then finds the existing one", async () => {
    const created = await kube.applyDataUpgrade(dataUpgrade);
    expect(created).toMatchObject({ name: "data-upgrade-450", toVersion: "Version450", created: true });
    const again = await kube.applyDataUpgrade(dataUpgrade);
    expect(again).toMatchObject({ name: "data-upgrade-450", toVersion: "Version450", created: false });
    const stored = fx.sim.state().dataUpgrades.find((d) => d.name === "data-upgrade-450");
    expect(stored).toMatchObject({ namespace: "cluedin", toVersion: "Version450" });
  });

  it("follows the DataUpgrade to success, and the server log's 200 response", async () => {
    for (let i = 0; i < 60 && (await kube.readDataUpgrade("data-upgrade-450"))?.phase !== "Succeeded"; i++) {
      fx.clock.advanceBy(10_000);
    }
    expect(await kube.readDataUpgrade("data-upgrade-450")).toMatchObject({ phase: "Succeeded", created: false });
    const scan = await kube.scanServerLogs({ sinceSeconds: 3600 });
    expect(scan.dataUpgradeResponse).toMatchObject({ toVersion: "Version450", status: 200 });
  });

  it("deletes the DataUpgrade, and says when there was none", async () => {
    expect(await kube.deleteDataUpgrade("data-upgrade-450")).toBe(true);
    expect(await kube.deleteDataUpgrade("data-upgrade-450")).toBe(false);
    expect(await kube.readDataUpgrade("data-upgrade-450")).toBeUndefined();
  });

  it("shows a data upgrade the server answers with 500 as data: status Failed and the 500 in the log", async () => {
    fx.sim.setFaults({ dataUpgrade: "error" });
    await kube.applyDataUpgrade({ ...dataUpgrade, name: "data-upgrade-460", toVersion: "Version460" });
    for (let i = 0; i < 60 && (await kube.readDataUpgrade("data-upgrade-460"))?.phase !== "Failed"; i++) {
      fx.clock.advanceBy(10_000);
    }
    expect(await kube.readDataUpgrade("data-upgrade-460")).toMatchObject({ phase: "Failed" });
    const scan = await kube.scanServerLogs({ sinceSeconds: 3600 });
    expect(scan.dataUpgradeResponse).toMatchObject({ toVersion: "Version460", status: 500 });
    expect(scan.errorLines.some((line) => line.includes("responded 500"))).toBe(true);
  });

  it.each([429, 500, 503] as const)(
    "throws a transient error naming the operation when the API server answers %d",
    async (status) => {
      fx.sim.setFaults({ kube: { status, count: 1 } });
      const error = await kube.listHelmRevisions("cluedin-platform").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterApiError);
      expect(error).toMatchObject({ transient: true, status });
      expect((error as Error).message).toMatch(
        new RegExp(`^list Helm release secrets of cluedin-platform failed: HTTP ${status} \\(transient\\)`),
      );
      expect((error as Error).message).not.toContain(fx.sim.token);
    },
  );

  it("throws a transient error when creating the DataUpgrade answers 500", async () => {
    fx.sim.setFaults({ kube: { status: 500, count: 1, match: "dataupgrades" } });
    await expect(kube.applyDataUpgrade({ ...dataUpgrade, name: "data-upgrade-470" })).rejects.toThrow(
      /^create DataUpgrade data-upgrade-470 failed: HTTP 500 \(transient\)/,
    );
  });

  it("gives up on an API server that does not answer, as a transient timeout", async () => {
    fx.sim.setFaults({ kube: { status: "timeout", count: 1, hangMs: 3_000 } });
    const impatient = new KubeClient({ kubeConfig, namespace: fx.sim.namespace, requestTimeoutMs: 200 });
    const started = Date.now();
    await expect(impatient.podsSummary()).rejects.toMatchObject({ transient: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reports a refused token as a permanent error that does not contain it", async () => {
    const previous = fx.credential.token;
    fx.credential.token = "wrong-token-value";
    try {
      const error = (await kube.podsSummary().catch((e: unknown) => e)) as ClusterApiError;
      expect(error).toMatchObject({ transient: false, status: 401 });
      expect(error.message).not.toContain("wrong-token-value");
    } finally {
      fx.credential.token = previous;
    }
  });
});
