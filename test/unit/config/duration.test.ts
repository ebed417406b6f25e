import { describe, expect, it } from "vitest";
import { formatGoDuration, parseDuration } from "../../../lib/config/index.js";

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["10m", 600_000],
    ["4h", 14_400_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["250ms", 250],
    ["1h30m", 5_400_000],
    ["10m0s", 600_000],
    ["1.5h", 5_400_000],
    ["PT10M", 600_000],
    ["PT30S", 30_000],
    ["P1D", 86_400_000],
    ["P1DT2H", 93_600_000],
    ["PT1H30M15S", 5_415_000],
    ["P2W", 1_209_600_000],
    ["pt5m", 300_000],
  ])("%s is %i ms", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(["", "10", "ten minutes", "10 m", "P", "PT", "P1M", "P1Y", "-5m", "5x", "m10", "10m-5s"])(
    "refuses %j",
    (text) => {
      const result = parseDuration(text);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/not a duration/);
    },
  );
});

describe("formatGoDuration", () => {
  it.each([
    [600_000, "10m0s"],
    [5_400_000, "1h30m0s"],
    [45_000, "45s"],
    [0, "0s"],
    [3_661_000, "1h1m1s"],
  ])("%i ms is %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });
});
