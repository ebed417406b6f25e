import { describe, expect, it } from "vitest";
import { helmFlagsFor, helmTimeout } from "../../../lib/workflow/helm.js";
import { dataUpgradeName, helmRunMarker } from "../../../lib/workflow/names.js";
import { newRunId } from "../../../lib/workflow/runId.js";

describe("the runbook's helm flags", () => {
  it("basic: database jobs and full NuGet restore, no upgrade mode", () => {
    expect(helmFlagsFor("basic")).toEqual({
      "application.system.runDatabaseJobsOnUpgrade": true,
      "application.system.runNugetFullRestore": true,
    });
  });
  it("data upgrade: upgrade mode on, then every flag off to finalize", () => {
    expect(helmFlagsFor("upgrade-mode")["application.system.upgradeMode"]).toBe(true);
    expect(Object.values(helmFlagsFor("finalize"))).toEqual([false, false, false]);
  });
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
