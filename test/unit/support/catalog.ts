import { readFileSync } from "node:fs";
import { findRelease, parseReleaseCatalog, type Release, type ReleaseCatalog } from "../../../lib/catalog/index.js";

export const readRepoFile = (path: string): string =>
  readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

/** The project's own catalog, config/releases.yaml. */
export function loadCatalog(): ReleaseCatalog {
  const parsed = parseReleaseCatalog(readRepoFile("config/releases.yaml"));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

export function releaseOf(catalog: ReleaseCatalog, tag: string): Release {
  const release = findRelease(catalog, tag);
  if (!release) throw new Error(`${tag} not in catalog`);
  return release;
}

/** A release for tests that need features the real catalog does not use (added packages, release keys). */
export function fakeRelease(overrides: Partial<Release> = {}): Release {
  return {
    tag: "2025.05.00",
    chartVersion: "2.5.0",
    minimumSource: "2024.12",
    dataUpgrade: { kind: "resource", toVersion: "Version450" },
    packages: [{ name: "CluedIn.Connector.Http", version: "4.5.0", addIfMissing: false }],
    values: [],
    releaseNotesUrl: "https://documentation.cluedin.net/release-notes",
    expectedDowntimeMinutes: 45,
    ...overrides,
  };
}
