import { describe, expect, it } from "vitest";
import { simulatorPerTest } from "./harness.js";

const SCENARIOS = new URL("../../../local/sim/scenarios/", import.meta.url).pathname;
const REPO = "https://cluedin-io.github.io/Charts/";

// The ten CRDs the 2024.07.03, 2024.12.01 and 2024.12.02 pages delete and re-apply, in the pages' order.
const KINDS = [
  "alertmanagerconfigs",
  "alertmanagers",
  "podmonitors",
  "probes",
  "prometheusagents",
  "prometheuses",
  "prometheusrules",
  "scrapeconfigs",
  "servicemonitors",
  "thanosrulers",
];
const deleteDaemonSet = "kubectl delete daemonsets/cluedin-prometheus-node-exporter -n cluedin";
const deleteCrds = KINDS.map((k) => `kubectl delete crd ${k}.monitoring.coreos.com`);
const applyCrds = (version: string): string[] =>
  KINDS.map(
    (k) =>
      `kubectl apply --server-side -f https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${version}/example/prometheus-operator-crd/monitoring.coreos.com_${k}.yaml`,
  );
const upgrade = (version: string, extra = ""): string =>
  `helm upgrade cluedin-platform -n cluedin cluedin-platform --repo ${REPO} --version ${version} --values values.yaml${extra} --wait --timeout 10m0s`;
const values = (tag: string) => ({ "values.yaml": `global:\n  image:\n    tag: "${tag}"\n` });

describe("release-2024.12.01: chart 2.4.1 with old monitoring CRDs, going to 2024.12.02 (page 210)", () => {
  const sim = simulatorPerTest(`${SCENARIOS}release-2024.12.01.yaml`);

  it("refuses the helm upgrade without the page's procedure, before recording a revision", async () => {
    const refused = await sim.run(upgrade("2.4.2"), { files: values("2024.12.02") });
    expect(refused).toMatchObject({
      exitCode: 1,
      logs:
        'Error: UPGRADE FAILED: error validating "": error validating data: ValidationError(Prometheus.spec): ' +
        'unknown field "automountServiceAccountToken" in com.coreos.monitoring.v1.Prometheus.spec\n',
    });
    expect(sim.t.sim.state().release.revisions).toHaveLength(3);
    expect(sim.t.sim.journal()).toEqual([
      expect.objectContaining({ actor: "helm", verb: "upgrade", detail: "cluedin-platform-2.4.2", outcome: "failed" }),
    ]);
  });

  it("upgrades once the DaemonSet and CRD steps ran, and the journal shows them in order before helm", async () => {
    const procedure = ["set -e", deleteDaemonSet, ...deleteCrds, ...applyCrds("v0.79.0"), upgrade("2.4.2")].join("\n");
    const result = await sim.run(procedure, { files: values("2024.12.02"), stepMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.logs).toContain('daemonset.apps "cluedin-prometheus-node-exporter" deleted\n');
    expect(result.logs).toContain(
      'customresourcedefinition.apiextensions.k8s.io "thanosrulers.monitoring.coreos.com" deleted\n',
    );
    expect(result.logs).toContain(
      "customresourcedefinition.apiextensions.k8s.io/prometheuses.monitoring.coreos.com serverside-applied\n",
    );
    const journal = sim.t.sim.journal().map((e) => `${e.actor} ${e.verb} ${e.resource} ${e.name} ${e.outcome}`);
    expect(journal).toEqual([
      "kubectl delete daemonsets.apps cluedin-prometheus-node-exporter ok",
      ...KINDS.map(
        (k) => `kubectl delete customresourcedefinitions.apiextensions.k8s.io ${k}.monitoring.coreos.com ok`,
      ),
      ...KINDS.map((k) => `kubectl apply customresourcedefinitions.apiextensions.k8s.io ${k}.monitoring.coreos.com ok`),
      // helm re-creates the DaemonSet while it applies the release, and reports once pods are ready.
      "helm create daemonsets.apps cluedin-prometheus-node-exporter ok",
      "helm upgrade release cluedin-platform ok",
    ]);
    const applied = sim.t.sim.journal().find((e) => e.verb === "apply");
    expect(applied?.detail).toMatch(/^https:\/\/raw\.githubusercontent\.com\/prometheus-operator\/.*\/v0\.79\.0\//);
  });

  it("answers kubectl's NotFound for an absent DaemonSet and its read error for an unknown manifest URL", async () => {
    expect((await sim.run(deleteDaemonSet)).exitCode).toBe(0);
    const again = await sim.run(deleteDaemonSet);
    expect(again).toMatchObject({
      exitCode: 1,
      logs: 'Error from server (NotFound): daemonsets.apps "cluedin-prometheus-node-exporter" not found\n',
    });
    const url = applyCrds("v9.9.9")[0] ?? "";
    const unknown = await sim.run(url);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.logs).toBe(
      `error: unable to read URL "${url.split(" -f ")[1] ?? ""}", server reported 404 Not Found, status code=404\n`,
    );
    const elsewhere = await sim.run("kubectl apply --server-side -f https://example.invalid/crd.yaml");
    expect(elsewhere.logs).toBe(
      'error: Get "https://example.invalid/crd.yaml": dial tcp: lookup example.invalid on 10.0.0.10:53: no such host\n',
    );
  });
});

describe("release-2024.07.02: chart 2.3.1 (node-exporter 3.x, operator 0.58.0), going to 2024.07.03 (page 207)", () => {
  const sim = simulatorPerTest(`${SCENARIOS}release-2024.07.02.yaml`);

  it("fails on the old DaemonSet's immutable selector when only the CRDs were replaced", async () => {
    const deletes = await sim.run(deleteCrds.join("\n"));
    // Operator 0.58.0 shipped neither PrometheusAgent nor ScrapeConfig: the page's deletes of those two fail (the
    // script goes on, as sh does without set -e, and exits with the last command's status).
    expect(deletes.exitCode).toBe(0);
    expect(deletes.logs).toContain(
      'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "prometheusagents.monitoring.coreos.com" not found\n',
    );
    expect((await sim.run(["set -e", ...applyCrds("v0.71.0")].join("\n"))).exitCode).toBe(0);
    const failed = await sim.run(upgrade("2.3.2", " --reuse-values"), { files: values("2024.07.03") });
    expect(failed.exitCode).toBe(1);
    expect(failed.logs).toBe(
      'Error: UPGRADE FAILED: cannot patch "cluedin-prometheus-node-exporter" with kind DaemonSet: DaemonSet.apps ' +
        '"cluedin-prometheus-node-exporter" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:' +
        'map[string]string{"app.kubernetes.io/instance":"cluedin-platform", "app.kubernetes.io/name":"prometheus-node-exporter"}, ' +
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n",
    );
    expect(sim.t.sim.state().release.revisions.at(-1)).toMatchObject({
      revision: 4,
      status: "failed",
      chart: "cluedin-platform-2.3.2",
    });
    const fixed = await sim.run(`${deleteDaemonSet} && ${upgrade("2.3.2", " --reuse-values")}`, {
      files: values("2024.07.03"),
      stepMs: 10_000,
    });
    expect(fixed.exitCode).toBe(0);
    expect(sim.t.sim.state().release.revisions.at(-1)).toMatchObject({ status: "deployed", release: "2024.07.03" });
  });

  it("keeps the chart-rendered data-upgrade (Version430) across a --reuse-values upgrade", async () => {
    const before = await sim.run("kubectl get dataupgrades -n cluedin -o name");
    expect(before.logs).toBe("");
    await sim.run(["set -e", deleteDaemonSet, ...applyCrds("v0.71.0")].join("\n"));
    const result = await sim.run(upgrade("2.3.2", " --reuse-values"), { files: values("2024.07.03"), stepMs: 10_000 });
    expect(result.logs).toContain("has been upgraded");
    const du = await sim.run("kubectl get dataupgrade data-upgrade -n cluedin -o jsonpath='{.spec.toVersion}'");
    expect(du.logs).toBe("Version430");
    expect(sim.t.sim.state().dataUpgradeCreations).toEqual([
      expect.objectContaining({ name: "data-upgrade", via: "helm" }),
    ]);
  });
});

describe("support-2026.01.00: component tag pins (page 215 support)", () => {
  const sim = simulatorPerTest(`${SCENARIOS}support-2026.01.00.yaml`);

  it("runs the pinned tags for those components and the release tag for the rest", () => {
    const image = (workload: string) => sim.t.sim.state().workloads.find((w) => w.name === workload)?.image;
    expect(image("cluedin-datasource-processing")).toBe(
      "cluedinprod.azurecr.io/cluedin/data-source-processing:4.7.0-update.118",
    );
    expect(image("cluedin-ui")).toBe("cluedinprod.azurecr.io/cluedin/ui:4.7.0-update.98");
    expect(image("cluedin-gql")).toBe("cluedinprod.azurecr.io/cluedin/cluedin-ui-gql:4.7.0-update.32");
    expect(image("cluedin-neo4j")).toBe("cluedinprod.azurecr.io/cluedin/neo4j:4.7.0-update.3");
    expect(image("cluedin-server")).toBe("cluedinprod.azurecr.io/cluedin/cluedin-server:2026.01.00");
  });
});
