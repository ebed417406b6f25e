import { describe, expect, it } from "vitest";
import { countOf, type PlannedStage } from "../../../lib/fleet/plan.js";
import {
  decideStarts,
  decodeStates,
  encodeStates,
  stageOutcome,
  waveOutcome,
  type ClusterState,
} from "../../../lib/fleet/schedule.js";

const stage = (groups: [string, string[], number, number?][], max = 100, budget = 0): PlannedStage => ({
  name: "s",
  maxConcurrency: max,
  maxAllowedFailures: budget,
  afterStageWaitMs: 0,
  before: [],
  after: [],
  groups: groups.map(([name, clusters, maxConcurrency, maxAllowedFailures]) => ({
    name,
    clusters: clusters.map((c) => ({ name: c, approval: "start" as const })),
    maxConcurrency,
    maxAllowedFailures: maxAllowedFailures ?? 100,
    before: [],
  })),
});

const NOW = Date.parse("2026-01-07T12:00:00Z"); // a Wednesday

describe("countOf: counts and percentages", () => {
  it.each([
    [3, 10, "concurrency", 3],
    [0, 10, "concurrency", 1],
    ["25%", 10, "concurrency", 2],
    ["25%", 3, "concurrency", 1],
    ["100%", 7, "concurrency", 7],
    [0, 10, "failures", 0],
    ["10%", 5, "failures", 1],
    ["10%", 10, "failures", 1],
    ["10%", 11, "failures", 2],
    ["0%", 11, "failures", 0],
    ["50%", 3, "failures", 2],
  ] as const)("%s of %i for %s is %i", (quantity, total, rounding, expected) => {
    expect(countOf(quantity, total, rounding)).toBe(expected);
  });
});

describe("decideStarts: who starts next", () => {
  const two = stage(
    [
      ["a", ["a1", "a2", "a3"], 2],
      ["b", ["b1", "b2"], 1],
    ],
    2,
  );
  const open = ["a", "b"];
  it.each<
    [
      string,
      PlannedStage,
      Record<string, ClusterState>,
      Partial<{ stopped: boolean; openGroups: string[] }>,
      string[],
      boolean,
    ]
  >([
    ["groups take turns for the stage's slots", two, {}, {}, ["a1", "b1"], false],
    ["stage limit reached: nobody", two, { a1: "running", b1: "running" }, {}, [], false],
    ["one slot frees: the next in that group's turn", two, { a1: "succeeded", b1: "running" }, {}, ["a2"], false],
    [
      "group limit holds even with stage slots free",
      stage([["b", ["b1", "b2"], 1]], 5),
      { b1: "running" },
      {},
      [],
      false,
    ],
    ["stopped: nobody new, running ones finish", two, { a1: "running" }, { stopped: true }, [], false],
    ["stopped and nothing running: done", two, { a1: "succeeded" }, { stopped: true }, [], true],
    ["skipped clusters are passed over", two, { a1: "skipped", b1: "skipped" }, {}, ["a2", "b2"], false],
    ["a group behind its gate waits; the others go on", two, {}, { openGroups: ["b"] }, ["b1"], false],
    ["fail-fast: a failure spends the stage budget of 0", two, { a1: "failed", b1: "running" }, {}, [], false],
    ["budget spent and nothing running: done", two, { a1: "failed", b1: "succeeded" }, {}, [], true],
    [
      "a budget of 1 tolerates one failure",
      stage([["a", ["a1", "a2", "a3"], 1]], 5, 1),
      { a1: "failed" },
      {},
      ["a2"],
      false,
    ],
    [
      "a spent group budget stops that group only",
      stage(
        [
          ["a", ["a1", "a2"], 1, 0],
          ["b", ["b1", "b2"], 1],
        ],
        5,
        5,
      ),
      { a1: "failed", b1: "succeeded" },
      {},
      ["b2"],
      false,
    ],
    [
      "all settled: done",
      two,
      { a1: "succeeded", a2: "succeeded", a3: "skipped", b1: "succeeded", b2: "succeeded" },
      {},
      [],
      true,
    ],
  ])("%s", (_title, s, states, extra, start, done) => {
    const decision = decideStarts(s, { states, stopped: false, openGroups: open, now: NOW, ...extra });
    expect(decision.start).toEqual(start);
    expect(decision.done).toBe(done);
  });

  it("a cluster whose maintenance window is closed is pending while the others proceed", () => {
    const s = stage([["a", ["a1", "a2"], 2]]);
    s.groups[0]!.clusters[0]!.window = { days: ["sat"], start: "20:00", durationMs: 6 * 3_600_000 };
    const decision = decideStarts(s, { states: {}, stopped: false, openGroups: ["a"], now: NOW });
    expect(decision.start).toEqual(["a2"]);
    expect(decision.pending).toEqual(["a1"]);
    expect(new Date(decision.wakeAt!).toISOString()).toBe("2026-01-10T20:00:00.000Z");
    const later = decideStarts(s, {
      states: { a2: "succeeded" },
      stopped: false,
      openGroups: ["a"],
      now: decision.wakeAt!,
    });
    expect(later.start).toEqual(["a1"]);
  });
});

describe("outcomes", () => {
  const s = stage([["a", ["a1", "a2"], 1]], 5, 0);
  it.each<[Record<string, ClusterState>, boolean, string]>([
    [{ a1: "succeeded", a2: "succeeded" }, false, "succeeded"],
    [{ a1: "succeeded", a2: "skipped" }, false, "succeeded"],
    [{ a1: "failed", a2: "not-started" }, false, "failed"],
    [{ a1: "succeeded", a2: "not-started" }, true, "stopped"],
  ])("%j stopped=%s -> %s", (states, stopped, outcome) => {
    expect(stageOutcome(s, states, stopped)).toBe(outcome);
  });
  it("a tolerated failure completes the stage with failures", () => {
    expect(stageOutcome(stage([["a", ["a1", "a2"], 1]], 5, 1), { a1: "failed", a2: "succeeded" }, false)).toBe(
      "succeeded-with-failures",
    );
  });
  it.each([
    [["succeeded", "succeeded"], "completed"],
    [["succeeded", "succeeded-with-failures"], "completed-with-failures"],
    [["succeeded", "failed"], "failed"],
    [["stopped"], "stopped"],
  ] as const)("wave of %j is %s", (outcomes, end) => {
    expect(waveOutcome(outcomes)).toBe(end);
  });
  it("the matrix codes round-trip", () => {
    const states = { a1: "running", a2: "failed" } as const;
    expect(encodeStates(s, states)).toBe("rf");
    expect(decodeStates(s, "rf")).toEqual(states);
  });
});
