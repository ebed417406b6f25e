import { describe, expect, it } from "vitest";
import { compareVersions, ORCHESTRATION_VERSION, startedAtLeast } from "../../../lib/workflow/version.js";

// DurableTask.Core Settings/VersioningSettings.CompareVersions, case by case.
describe("orchestration versions, ordered as Durable Task orders them", () => {
  it.each([
    ["", "", 0],
    ["", "1.0", -1],
    ["1.0", "", 1],
    ["  ", undefined, 0],
    ["1.0", "1.0", 0],
    ["1.0", "2.0", -1],
    ["2.0", "1.9", 1],
    ["9.0", "10.0", -1],
    ["1.0", "1.0.0", -1],
    ["1.2.3.4", "1.2.3.5", -1],
    ["10", "9", -1],
    ["beta", "Beta", 0],
    ["1.0", "beta", -1],
  ] as const)("%j against %j: %i", (a, b, expected) => {
    expect(Math.sign(compareVersions(a, b))).toBe(expected);
  });

  it("treats runs started before versioning (no version) as older than this one", () => {
    expect(startedAtLeast(undefined, ORCHESTRATION_VERSION)).toBe(false);
    expect(startedAtLeast("", ORCHESTRATION_VERSION)).toBe(false);
    expect(startedAtLeast(ORCHESTRATION_VERSION, ORCHESTRATION_VERSION)).toBe(true);
  });
});
