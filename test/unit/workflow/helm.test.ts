import { describe, expect, it } from "vitest";
import type { HelmCommandSpec, Release } from "../../../lib/catalog/catalog.js";
import { DOCUMENTED_CHART_REPOSITORY, type ChartSource } from "../../../lib/config/chart-source.js";
import {
  displayHelmCommand,
  helmPhasesOf,
  helmTimeout,
  helmUpgradeCommand,
  STAND_INS,
  type HelmCommandInput,
} from "../../../lib/workflow/helm.js";
import { dataUpgradeName, helmRunMarker } from "../../../lib/workflow/names.js";
import { newRunId } from "../../../lib/workflow/runId.js";
import { fakeRelease } from "../support/catalog.js";

const documented: ChartSource = { kind: "repo", url: DOCUMENTED_CHART_REPOSITORY };
const spec = (over: Partial<HelmCommandSpec> = {}): HelmCommandSpec => ({
  reuseValues: false,
  extraValuesFiles: [],
  set: {},
  wait: true,
  ...over,
});

/** 204-upgrade-202407.md: `--version 2.3.0 --reuse-values --values ${CustomValues} --wait --timeout 10m0s`. */
const page202407 = fakeRelease({
  tag: "2024.07.00",
  chartVersion: "2.3.0",
  minimumSource: "2024.01",
  dataUpgrade: { kind: "none" },
  helm: { upgrade: spec({ reuseValues: true, timeout: "10m0s" }) },
});

/**
 * 208-upgrade-202412.md: `--version 2.4.1 --values ${CustomValues} --values elasticsearch-upgrade.yml --set
 * upgradeMode=true --set runDatabaseJobsOnUpgrade=true --set runNugetFullRestore=true` (no --wait, no --timeout),
 * then the finalize command with every flag false and no --wait.
 */
const page202412 = fakeRelease({
  tag: "2024.12",
  chartVersion: "2.4.1",
  minimumSource: "2024.07",
  dataUpgrade: { kind: "resource", toVersion: "Version440" },
  helm: {
    upgrade: spec({
      extraValuesFiles: ["elasticsearch-upgrade.yml"],
      set: {
        "application.system.upgradeMode": true,
        "application.system.runDatabaseJobsOnUpgrade": true,
        "application.system.runNugetFullRestore": true,
      },
      wait: false,
    }),
    finalize: spec({
      set: {
        "application.system.upgradeMode": false,
        "application.system.runDatabaseJobsOnUpgrade": false,
        "application.system.runNugetFullRestore": false,
      },
      wait: false,
    }),
  },
});

const input = (release: Release, over: Partial<HelmCommandInput> = {}): HelmCommandInput => ({
  release,
  phase: helmPhasesOf(release)[0] ?? "basic",
  profile: { release: "cluedin-platform", namespace: "cluedin", helmTimeoutMs: 600_000 },
  source: documented,
  valuesFile: "values-dev-2024-07-00.yml",
  description: helmRunMarker("demo-1", "basic", 1),
  ...over,
});

const REPO = "cluedin-platform --repo https://cluedin-io.github.io/Charts/";

describe("the Helm command of each phase, from the release page", () => {
  it("2024.07: reuses the values, waits, and pins upgrade mode off", () => {
    expect(displayHelmCommand(input(page202407))).toBe(
      `helm upgrade cluedin-platform -n cluedin ${REPO} --version 2.3.0 --reuse-values --values <values file> ` +
        "--set application.system.upgradeMode=false --wait --timeout 10m0s --description <run marker>",
    );
  });

  it("2024.12: sends the page's further values file, does not wait, and takes the profile's timeout", () => {
    const patient = { release: "cluedin-platform", namespace: "cluedin", helmTimeoutMs: 900_000 };
    const argv = helmUpgradeCommand(input(page202412, { phase: "upgrade-mode", profile: patient }));
    expect(argv.slice(-4, -2)).toEqual(["--timeout", "15m0s"]);
    expect(argv).not.toContain("--wait");
    expect(displayHelmCommand(input(page202412, { phase: "upgrade-mode" }))).toBe(
      `helm upgrade cluedin-platform -n cluedin ${REPO} --version 2.4.1 --values <values file> ` +
        "--values elasticsearch-upgrade.yml --set application.system.upgradeMode=true " +
        "--set application.system.runDatabaseJobsOnUpgrade=true --set application.system.runNugetFullRestore=true " +
        "--timeout 10m0s --description <run marker>",
    );
  });

  it("2024.12 finalize: the page's finalize command, without the further values file or --wait", () => {
    const line = displayHelmCommand(input(page202412, { phase: "finalize" }));
    expect(line).toContain("--values <values file> --set application.system.upgradeMode=false");
    expect(line).not.toContain("elasticsearch-upgrade.yml");
    expect(line).not.toContain("--wait");
  });

  it("basic: a page that sets upgradeMode=true still runs with upgradeMode=false, in the page's place", () => {
    const stale = fakeRelease({
      dataUpgrade: { kind: "none" },
      helm: { upgrade: spec({ set: { "application.system.upgradeMode": true, "a.b": true } }) },
    });
    const argv = helmUpgradeCommand(input(stale, { phase: "basic" }));
    const sets = argv.flatMap((arg, i) => (argv[i - 1] === "--set" ? [arg] : []));
    expect(sets).toEqual(["application.system.upgradeMode=false", "a.b=true"]);
  });

  it("a data upgrade whose page gives no finalize command leaves upgrade mode as the runbook does", () => {
    const byValues = fakeRelease({
      dataUpgrade: { kind: "values", path: "application.bootstrap.dataUpgrade.toVersion", toVersion: "Version430" },
      helm: { upgrade: spec({ reuseValues: true }) },
    });
    expect(helmPhasesOf(byValues)).toEqual(["upgrade-mode", "finalize"]);
    const line = displayHelmCommand(input(byValues, { phase: "finalize" }));
    expect(line).toContain(
      "--set application.system.upgradeMode=false --set application.system.runDatabaseJobsOnUpgrade=false " +
        "--set application.system.runNugetFullRestore=false --timeout 10m0s",
    );
    expect(line).not.toContain("--reuse-values");
  });

  it("fetches the chart from an OCI registry when the profile names one", () => {
    const line = displayHelmCommand(
      input(page202407, { source: { kind: "oci", url: "oci://acr.contoso.example/helm" } }),
    );
    expect(line).toContain("-n cluedin oci://acr.contoso.example/helm/cluedin-platform --version 2.3.0");
    expect(line).not.toContain("--repo");
  });

  it("runs exactly what it shows: the stand-ins replace only the values file and the marker", () => {
    const real = input(page202407);
    const argv = helmUpgradeCommand(real);
    expect(argv).toContain(real.valuesFile);
    expect(argv).toContain(real.description);
    const shown = displayHelmCommand(real);
    expect(shown).toContain(STAND_INS.valuesFile);
    expect(displayHelmCommand({ ...real, description: STAND_INS.marker })).toBe(shown);
  });
});

describe("helm timeouts", () => {
  it.each([
    [600_000, "10m0s"],
    [90_000, "1m30s"],
    [3_600_000 + 5_000, "1h0m5s"],
    [1, "0m1s"],
  ])("%d ms is --timeout %s", (ms, text) => expect(helmTimeout(ms)).toBe(text));
});

describe("names", () => {
  it("names the DataUpgrade resource as the runbook does", () =>
    expect(dataUpgradeName("Version450")).toBe("data-upgrade-450"));
  it("marks each helm run with run, phase and attempt", () =>
    expect(helmRunMarker("demo-1", "upgrade-mode", 2)).toBe("cluedin-upgrade run=demo-1 phase=upgrade-mode attempt=2"));
  it("gives runs ids with cluster and time", () =>
    expect(newRunId("demo", new Date("2026-01-05T09:00:00.123Z"), "AB12CD")).toBe("demo-20260105t090000z-ab12cd"));
});
