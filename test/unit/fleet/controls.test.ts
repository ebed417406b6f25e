import { describe, expect, it } from "vitest";
import { applyRetry, applySkip } from "../../../lib/fleet/controls.js";
import type { ControlTarget } from "../../../lib/fleet/contracts.js";
import { waveRunId } from "../../../lib/fleet/ids.js";
import type { PlannedStage } from "../../../lib/fleet/plan.js";
import type { ClusterState } from "../../../lib/fleet/schedule.js";
import { parseRunId } from "../../../lib/workflow/runId.js";

const stage: PlannedStage = {
  name: "staging",
  maxConcurrency: 5,
  maxAllowedFailures: 0,
  afterStageWaitMs: 0,
  before: [],
  after: [],
  groups: [
    {
      name: "weu",
      clusters: [
        { name: "a", approval: "start" },
        { name: "b", approval: "start" },
      ],
      maxConcurrency: 1,
      maxAllowedFailures: 5,
      before: [],
    },
    { name: "eus", clusters: [{ name: "c", approval: "start" }], maxConcurrency: 1, maxAllowedFailures: 5, before: [] },
  ],
};

describe("skip", () => {
  it.each<[string, ControlTarget, Record<string, ClusterState>, string[], string[]]>([
    ["a waiting cluster", { kind: "cluster", name: "b" }, {}, ["b"], []],
    ["a running cluster is never interrupted", { kind: "cluster", name: "a" }, { a: "running" }, [], ["a"]],
    ["an upgraded cluster stays upgraded", { kind: "cluster", name: "a" }, { a: "succeeded" }, [], ["a"]],
    [
      "a group: its clusters not started",
      { kind: "group", stage: "staging", name: "weu" },
      { a: "running" },
      ["b"],
      ["a"],
    ],
    ["a group of another stage: nothing", { kind: "group", stage: "prod", name: "weu" }, {}, [], []],
    ["a stage: all not started", { kind: "stage", name: "staging" }, { c: "pending" }, ["a", "b", "c"], []],
    ["a cluster not in the stage: nothing", { kind: "cluster", name: "z" }, {}, [], []],
  ])("%s", (_title, target, states, skipped, refused) => {
    const result = applySkip(stage, states, target);
    expect(result.skipped).toEqual(skipped);
    expect(result.refused).toEqual(refused);
    for (const cluster of skipped) expect(result.states[cluster]).toBe("skipped");
  });
});

describe("retry", () => {
  it("failed clusters get a new attempt, unstarted ones go back to waiting, upgraded and skipped ones stay", () => {
    const result = applyRetry({ a: "failed", b: "not-started", c: "succeeded", d: "skipped" }, { a: 1 });
    expect(result.states).toEqual({ a: "waiting", b: "waiting", c: "succeeded", d: "skipped" });
    expect(result.attempts).toEqual({ a: 2 });
    expect(result.retried).toEqual(["a", "b"]);
  });

  it("each attempt is an ordinary run id of the cluster, fixed by the wave", () => {
    const wave = "wave-20260107t120000z-abc123";
    expect(waveRunId(wave, "demo-prod-1", 0)).toBe("demo-prod-1-20260107t120000z-abc12300");
    expect(waveRunId(wave, "demo-prod-1", 2)).toBe("demo-prod-1-20260107t120000z-abc12302");
    expect(parseRunId(waveRunId(wave, "demo-prod-1", 2))?.cluster).toBe("demo-prod-1");
  });
});
