import { existsSync, readFileSync } from "node:fs";
import { findRelease, parseReleaseCatalog, type Release, type ReleaseCatalog } from "../../../lib/catalog/index.js";

export const readRepoFile = (path: string): string =>
  readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

/** The project's own catalog, config/releases.yaml, checked as the app loads it (its values files exist). */
export function loadCatalog(): ReleaseCatalog {
  const parsed = parseReleaseCatalog(readRepoFile("config/releases.yaml"), {
    valuesFileExists: (name) => existsSync(new URL(`../../../config/values-files/${name}`, import.meta.url)),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

export function releaseOf(catalog: ReleaseCatalog, tag: string): Release {
  const release = findRelease(catalog, tag);
  if (!release) throw new Error(`${tag} not in catalog`);
  return release;
}

/**
 * 2025.05.00 as its page has it (commands, downtime), with one package and no values keys: for tests that need
 * catalog features the real entries do not use.
 */
export function fakeRelease(overrides: Partial<Release> = {}): Release {
  return {
    tag: "2025.05.00",
    kind: "feature",
    source: {
      page: "docs/190-paas-operations/upgrade/211-upgrade-20250500.md",
      url: "https://documentation.cluedin.net/paas-operations/upgrade/2025-05-00",
    },
    chartVersion: "2.5.0",
    imageTag: "2025.05.00",
    minimumSource: "2024.12",
    dataUpgrade: { kind: "resource", toVersion: "Version450" },
    packages: [{ name: "CluedIn.Connector.Http", version: "4.5.0", addIfMissing: false }],
    values: [],
    helm: {
      upgrade: {
        reuseValues: false,
        extraValuesFiles: [],
        set: {
          "application.system.upgradeMode": true,
          "application.system.runDatabaseJobsOnUpgrade": true,
          "application.system.runNugetFullRestore": true,
        },
        wait: true,
        timeout: "10m0s",
      },
      finalize: {
        reuseValues: false,
        extraValuesFiles: [],
        set: {
          "application.system.upgradeMode": false,
          "application.system.runDatabaseJobsOnUpgrade": false,
          "application.system.runNugetFullRestore": false,
        },
        wait: false,
      },
    },
    procedure: { beforeHelm: [], afterHelm: [] },
    advisories: [],
    releaseNotesUrl: "https://cluedin-io.github.io/Releases/2025.05/2025.05.00",
    expectedDowntimeMinutes: 81,
    ...overrides,
  };
}
