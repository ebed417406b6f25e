import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseClusterProfiles } from "../../../lib/config/clusters.js";
import { parseFleets } from "../../../lib/fleet/config.js";
import { scheduledStartAt } from "../../../lib/fleet/gates.js";
import { resolveStrategy } from "../../../lib/fleet/plan.js";
import { dryRunTimeline } from "../../../lib/fleet/timeline.js";

const profilesResult = parseClusterProfiles(readFileSync("config/clusters.yaml", "utf8"));
if (!profilesResult.ok) throw new Error(JSON.stringify(profilesResult.issues));
const profiles = profilesResult.value;

const strategies = (text: string) => {
  const parsed = parseFleets(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
};

describe("config/fleets.yaml", () => {
  it("parses, and every strategy resolves against config/clusters.yaml", () => {
    for (const strategy of strategies(readFileSync("config/fleets.yaml", "utf8")))
      expect(resolveStrategy(strategy, profiles).ok).toBe(true);
  });

  it("the demo strategy: dev, staging, prod; prod pre-approved by its gate, the others by the wave's start", () => {
    const demo = strategies(readFileSync("config/fleets.yaml", "utf8")).find((s) => s.name === "demo")!;
    const resolved = resolveStrategy(demo, profiles);
    if (!resolved.ok) throw new Error("unresolved");
    const names = resolved.plan.stages.map((s) =>
      s.groups.flatMap((g) => g.clusters.map((c) => `${c.name}:${c.approval}`)),
    );
    expect(names).toEqual([
      ["demo:start", "demo-dev-2:start"],
      ["demo-staging-1:start", "demo-staging-2:start"],
      ["demo-prod-1:gate", "demo-prod-2:gate"],
    ]);
  });
});

describe("validation names the path and the line", () => {
  it.each([
    [
      "strategies:\n  - name: x\n    stages:\n      - name: a\n        maxConcurrency: 150%\n        groups: [{ name: g, clusters: [demo] }]\n",
      "strategies[0].stages[0].maxConcurrency",
      5,
    ],
    [
      "strategies:\n  - name: x\n    stages:\n      - name: a\n        groups:\n          - name: g\n",
      "strategies[0].stages[0].groups[0]",
      6,
    ],
    [
      "strategies:\n  - name: x\n    stages:\n      - name: a\n        gates:\n          before: [{ type: health }]\n        groups: [{ name: g, clusters: [demo] }]\n",
      "strategies[0].stages[0].gates.before",
      6,
    ],
    [
      "strategies:\n  - name: x\n    stages:\n      - name: a\n        groups:\n          - name: g\n            clusters: [demo]\n            gates:\n              before: [{ type: approval, approvers: [a@contoso.example] }]\n",
      "strategies[0].stages[0].groups[0].gates.before[0].type",
      9,
    ],
  ])("%#", (text, path, line) => {
    const parsed = parseFleets(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues[0]).toMatchObject({ path, line });
  });

  it("a cluster twice in one run, an unknown name, an empty selector are refused", () => {
    const [strategy] = strategies(`strategies:
  - name: x
    stages:
      - name: a
        groups: [{ name: g, clusters: [demo, nope] }]
      - name: b
        groups: [{ name: h, selector: { environment: dev } }, { name: i, selector: { region: mars } }]
`);
    const resolved = resolveStrategy(strategy!, profiles);
    expect(resolved.ok).toBe(false);
    if (resolved.ok) return;
    expect(resolved.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "a/g: no cluster profile named nope",
      "b/h: demo is already in a/g: a cluster runs once per wave",
      "b/i: selects no cluster",
    ]);
  });
});

describe("gates", () => {
  it.each([
    ["2026-01-07T12:00:00Z", undefined, "13:00", "+00:00", "2026-01-07T13:00:00.000Z"],
    ["2026-01-07T14:00:00Z", undefined, "13:00", "+00:00", "2026-01-08T13:00:00.000Z"],
    ["2026-01-07T12:00:00Z", ["sat"], "20:00", "+01:00", "2026-01-10T19:00:00.000Z"],
    ["2026-01-10T19:30:00Z", ["sat"], "20:00", "+01:00", "2026-01-17T19:00:00.000Z"],
    ["2026-01-07T23:30:00Z", ["thu"], "01:00", "+02:00", "2026-01-07T23:00:00.000Z".replace("07T23", "14T23")],
    ["2026-01-07T20:00:00Z", ["thu"], "01:00", "-05:00", "2026-01-08T06:00:00.000Z"],
  ] as const)("from %s, %j %s UTC%s opens %s", (at, days, time, utcOffset, expected) => {
    const gate = { type: "scheduledStart" as const, time, utcOffset, ...(days ? { days: [...days] } : {}) };
    expect(new Date(scheduledStartAt(gate, Date.parse(at))).toISOString()).toBe(expected);
  });
});

describe("dry run timeline", () => {
  it("prints the order, the limits, the gates and the earliest times", () => {
    const demo = strategies(readFileSync("config/fleets.yaml", "utf8")).find((s) => s.name === "demo")!;
    const resolved = resolveStrategy(demo, profiles);
    if (!resolved.ok) throw new Error("unresolved");
    const timeline = dryRunTimeline(resolved.plan, "2025.05.00", new Date("2026-01-07T12:00:00Z"));
    const rows = timeline.stages.flatMap((s) =>
      s.clusters.map((c) => `${c.order} ${c.name} ${c.earliestStart.slice(11, 16)}`),
    );
    expect(rows).toEqual([
      "1 demo 12:00",
      "2 demo-dev-2 12:00",
      "3 demo-staging-1 12:04",
      "4 demo-staging-2 12:04",
      "5 demo-prod-1 12:08",
      "6 demo-prod-2 12:08",
    ]);
    expect(timeline.stages[0]).toMatchObject({
      earliestEnd: "2026-01-07T12:02:00.000Z",
      soakUntil: "2026-01-07T12:04:00.000Z",
    });
    expect(timeline.stages[2]!.before[0]).toMatchObject({ who: ["approver@contoso.example"] });
    expect(timeline.earliestFinish).toBe("2026-01-07T12:10:00.000Z");
  });
});
