import { describe, expect, it } from "vitest";
import { dataUpgradeManifest, toDataUpgradeState } from "../../../lib/clients/data-upgrade.js";

const request = {
  name: "data-upgrade-450",
  toVersion: "Version450",
  chartVersion: "2.5.1",
  releaseName: "cluedin-platform",
};

describe("dataUpgradeManifest", () => {
  it("is the runbook's manifest", () => {
    expect(dataUpgradeManifest(request, "cluedin")).toEqual({
      apiVersion: "api.cluedin.com/v1",
      kind: "DataUpgrade",
      metadata: {
        annotations: {
          "meta.helm.sh/release-name": "cluedin-platform",
          "meta.helm.sh/release-namespace": "cluedin",
        },
        labels: {
          app: "cluedin",
          "app.kubernetes.io/instance": "cluedin-platform",
          "app.kubernetes.io/managed-by": "Helm",
          "app.kubernetes.io/name": "application",
          "helm.sh/chart": "application-2.5.1",
          release: "cluedin-platform",
        },
        name: "data-upgrade-450",
        namespace: "cluedin",
      },
      spec: { toVersion: "Version450" },
    });
  });

  it.each([
    ["a name with upper case", { name: "Data-Upgrade" }],
    ["a version that is not VersionNNN", { toVersion: "4.5.0" }],
    ["a chart version with a space", { chartVersion: "2.5.1 x" }],
    ["a release name with a slash", { releaseName: "a/b" }],
  ])("refuses %s", (_name, change) => {
    expect(() => dataUpgradeManifest({ ...request, ...change }, "cluedin")).toThrow();
  });
});

describe("toDataUpgradeState", () => {
  it("reads name, version and status", () => {
    const object = {
      metadata: { name: "data-upgrade-450" },
      spec: { toVersion: "Version450" },
      status: { phase: "Completed", message: "done" },
    };
    expect(toDataUpgradeState(object, false)).toEqual({
      name: "data-upgrade-450",
      toVersion: "Version450",
      phase: "Completed",
      message: "done",
      created: false,
    });
  });

  it("leaves out a status the operator has not written yet", () => {
    expect(toDataUpgradeState({ metadata: { name: "n" }, spec: { toVersion: "Version450" } }, true)).toEqual({
      name: "n",
      toVersion: "Version450",
      created: true,
    });
  });
});
