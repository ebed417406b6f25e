import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfig, rawRequest } from "./clients.js";
import { startTestSimulator, type TestSimulator } from "./harness.js";

const SCENARIOS = fileURLToPath(new URL("../../../local/sim/scenarios/", import.meta.url));

describe("control endpoint", () => {
  let t: TestSimulator;
  const post = (path: string, body: unknown) =>
    rawRequest(`${t.sim.controlUrl}${path}`, { method: "POST", body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await startTestSimulator();
  });
  afterAll(() => t.close());

  it("reports state, sets faults and resets", async () => {
    const state = JSON.parse((await rawRequest(`${t.sim.controlUrl}/state`)).body) as Record<string, unknown>;
    expect(Object.keys(state)).toEqual(
      expect.arrayContaining([
        "release",
        "pods",
        "dataUpgrades",
        "queues",
        "commands",
        "helmOperations",
        "dataUpgradeCreations",
        "faults",
      ]),
    );
    const set = await post("/faults", { kube: 503, ui: "dead", crashLoop: ["cluedin-ui"] });
    expect(set.status).toBe(200);
    expect(JSON.parse(set.body)).toMatchObject({
      kube: { status: 503, retryAfterSeconds: 1 },
      ui: { mode: "dead", delayMs: 6000 },
      crashLoop: ["cluedin-ui"],
    });
    expect(t.sim.state().faults.crashLoop).toEqual(["cluedin-ui"]);
    const reset = await post("/reset", {});
    expect(reset.status).toBe(200);
    expect(t.sim.state().faults).toMatchObject({ kube: null, ui: null, crashLoop: [] });
  });

  it("refuses invalid faults and scenarios with the project's error shape", async () => {
    const badFault = await post("/faults", { crashLoop: ["cluedin-nothing"], bogus: true });
    expect(badFault.status).toBe(400);
    expect(JSON.parse(badFault.body)).toMatchObject({
      error: { code: "InvalidFaults", message: expect.any(String), details: expect.any(Array) },
    });
    const badScenario = await post("/reset", { scenario: { release: { current: "1999.01.00" } } });
    expect(badScenario.status).toBe(400);
    expect(JSON.parse(badScenario.body)).toMatchObject({ error: { code: "InvalidScenario" } });
    expect((await rawRequest(`${t.sim.controlUrl}/nope`)).status).toBe(404);
    expect(() => t.sim.setFaults({ helmUpgrade: "explode" })).toThrow(/invalid faults/);
  });

  it("resets to another starting release through the control endpoint", async () => {
    const reset = await post("/reset", { scenario: { release: { current: "2025.05.02" } } });
    expect(reset.status).toBe(200);
    const revisions = t.sim.state().release.revisions;
    expect(revisions.map((r) => [r.chart, r.status])).toEqual([
      ["cluedin-platform-2.4.2", "superseded"],
      ["cluedin-platform-2.5.0", "superseded"],
      ["cluedin-platform-2.5.3", "deployed"],
    ]);
    expect(t.sim.state().pods.find((p) => p.workload === "cluedin-server")?.image).toContain(":2025.05.02");
  });
});

describe("scenario files", () => {
  it("every file in local/sim/scenarios starts a simulator", async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith(".yaml"));
    expect(files).toEqual(
      expect.arrayContaining(["default.yaml", "pending-upgrade.yaml", "stale-image-tag.yaml", "unhealthy.yaml"]),
    );
    for (const file of files) {
      const t = await startTestSimulator(`${SCENARIOS}${file}`);
      try {
        expect(t.sim.state().scenario, file).toBe(file.replace(/\.yaml$/, ""));
      } finally {
        await t.close();
      }
    }
  });

  it("pending-upgrade leaves the last revision pending with the previous one deployed", async () => {
    const t = await startTestSimulator(`${SCENARIOS}pending-upgrade.yaml`);
    try {
      expect(t.sim.state().release.revisions.map((r) => r.status)).toEqual([
        "superseded",
        "deployed",
        "pending-upgrade",
      ]);
    } finally {
      await t.close();
    }
  });

  it("stale-image-tag: the component tag wins over global.image.tag (coalesce)", async () => {
    const t = await startTestSimulator(`${SCENARIOS}stale-image-tag.yaml`);
    try {
      const pods = (await kubeConfig(t.sim).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "cluedin" })).items;
      const image = (prefix: string) =>
        pods.find((p) => p.metadata?.name?.startsWith(prefix))?.spec?.containers[0]?.image;
      expect(image("cluedin-server-")).toBe("cluedinprod.azurecr.io/cluedin/cluedin-server:2024.12.01");
      expect(image("cluedin-ui-")).toBe("cluedinprod.azurecr.io/cluedin/ui:2024.12.02");
    } finally {
      await t.close();
    }
  });

  // CluedIn-io/Charts 2.4.2 values.yaml: global.image.registry "docker.io", global.image.tag "2024.12".
  it("without global.image.tag the chart's old default tag is used", async () => {
    const t = await startTestSimulator({
      values: { global: { image: null }, application: { cluedin: { image: null } } },
    });
    try {
      expect(t.sim.state().pods.find((p) => p.workload === "cluedin-ui")?.image).toBe("docker.io/cluedin/ui:2024.12");
    } finally {
      await t.close();
    }
  });

  it("rejects unknown keys and chart versions", async () => {
    await expect(startTestSimulator({ release: { history: [{ chart: "9.9.9" }] } })).rejects.toThrow(
      /release\.history\.0\.chart/,
    );
    await expect(startTestSimulator({ colour: "blue" } as never)).rejects.toThrow(/invalid scenario/);
  });
});
