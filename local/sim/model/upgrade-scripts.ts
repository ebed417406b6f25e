/**
 * What cluedin-server logs while it runs `POST /api/upgradeto/<version>`, and when, in realistic milliseconds from
 * the call: the scenarios and timestamps the upgrade pages print.
 */
export interface UpgradeStep {
  scenario: string;
  performAtMs: number;
  completeAtMs: number;
}

export interface UpgradeScript {
  steps: readonly UpgradeStep[];
  /** The `responded 200 in <ms>` figure. */
  respondedInMs: number;
}

const SCRIPTS: Record<string, UpgradeScript> = {
  // 208-upgrade-202412.md, Stage 2: 12:12:33 -> 12:18:33 -> 13:03:17, "responded 200 in 3044054.6755 ms" (~51 min).
  Version440: {
    steps: [
      { scenario: "Remove legacy DeduplicateEntities jobs", performAtMs: 0, completeAtMs: 0 },
      { scenario: "Migrate clean projects to dedicated hashes table", performAtMs: 360_000, completeAtMs: 360_000 },
      { scenario: "Elastic Search Repopulate Index", performAtMs: 3_044_000, completeAtMs: 3_044_000 },
    ],
    respondedInMs: 3_044_054.6755,
  },
  // upgrade-guide/030-perform-for-the-upgrade.md: 05:57:02 -> 05:57:04, "responded 200 in 1857.3003 ms".
  Version450: {
    steps: [
      {
        scenario: "Apply DataSource and Manual Data Entry Project Owners Upgrade",
        performAtMs: 0,
        completeAtMs: 1_000,
      },
      { scenario: "Elastic search upgrade mapping", performAtMs: 1_000, completeAtMs: 1_800 },
    ],
    respondedInMs: 1_857.3003,
  },
};

/**
 * The script for `version`. No page prints the lines of Version430, Version460, Version470 or Version480: those
 * run generic steps of `stepMs` each, named for what every CluedIn data upgrade does.
 */
export function upgradeScript(version: string, stepMs: number): UpgradeScript {
  const known = SCRIPTS[version];
  if (known) return known;
  const names = ["Database schema migration", "Elastic search upgrade mapping", "Rebuild search indexes"];
  return {
    steps: names.map((scenario, i) => ({ scenario, performAtMs: i * stepMs, completeAtMs: (i + 1) * stepMs - 1 })),
    respondedInMs: names.length * stepMs + 12.3456,
  };
}
