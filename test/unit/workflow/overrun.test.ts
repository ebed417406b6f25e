import { describe, expect, it } from "vitest";
import { dueOverrun, nextOverrun } from "../../../lib/workflow/overrun.js";

const START = Date.parse("2026-01-10T20:00:00Z");
const min = (m: number): number => START + m * 60_000;

describe("dueOverrun (expected 30 min)", () => {
  it.each<[string, number, number[], number | undefined]>([
    ["on time", min(29), [], undefined],
    ["at 100%", min(30), [], 1],
    ["past 100%, already told", min(45), [1], undefined],
    ["at 200%", min(60), [1], 2],
    ["woke late past 200%: one update, the highest", min(75), [], 2],
    ["past 200%, told", min(120), [1, 2], undefined],
  ])("%s", (_name, now, announced, expected) => {
    expect(dueOverrun(START, 30, announced, now)).toBe(expected);
  });
});

describe("nextOverrun", () => {
  it.each<[number[], { factor: number; at: number } | undefined]>([
    [[], { factor: 1, at: min(30) }],
    [[1], { factor: 2, at: min(60) }],
    [[2], undefined],
    [[1, 2], undefined],
  ])("after %j", (announced, expected) => {
    expect(nextOverrun(START, 30, announced)).toEqual(expected);
  });
});
