import { describe, expect, it } from "vitest";
import { compareReleaseTags, isReleaseTag, parseReleaseTag, releaseTagSlug } from "../../../lib/catalog/index.js";

describe("release tags", () => {
  it.each([
    ["2024.12", { year: 2024, month: 12, update: 0, support: false }],
    ["2024.12.02", { year: 2024, month: 12, update: 2, support: false }],
    [" 2025.05.00 ", { year: 2025, month: 5, update: 0, support: false }],
    ["2022.06.14", { year: 2022, month: 6, update: 14, support: false }],
    ["2026.01.00-support", { year: 2026, month: 1, update: 0, support: true }],
  ])("parses %s", (text, expected) => {
    expect(parseReleaseTag(text)).toEqual(expected);
  });

  it.each([
    "2024.13.00",
    "2024.00",
    "24.12.01",
    "2024.1.0",
    "v2024.12.01",
    "2024.12.01-rc1",
    "latest",
    "",
    "2.5.0",
    "2026.01.00-Support",
    "2026.01.00 support",
    "2026.01.00-support-2",
  ])("refuses %j", (text) => {
    expect(isReleaseTag(text)).toBe(false);
  });

  it.each([
    ["2024.12", "2024.12.01", -1],
    ["2024.12", "2024.12.00", 0],
    ["2024.12.02", "2025.05.00", -1],
    ["2025.05.02", "2025.05.00", 1],
    ["2024.07.00", "2024.12", -1],
    ["2026.01.00", "2025.09.00", 1],
    ["2024.12.10", "2024.12.09", 1],
    ["2026.01.00-support", "2026.01.00", 1],
    ["2026.01.00-support", "2026.02.00", -1],
    ["2026.01.00-support", "2026.01.01", -1],
    ["2026.01-support", "2026.01.00-support", 0],
  ])("compares %s with %s as dates", (a, b, sign) => {
    expect(Math.sign(compareReleaseTags(a, b))).toBe(sign);
  });

  it("throws on something that is not a tag", () => {
    expect(() => compareReleaseTags("2024.12", "latest")).toThrow(/latest/);
  });

  it("writes tags with hyphens for file names", () => {
    expect(releaseTagSlug("2025.05.00")).toBe("2025-05-00");
    expect(releaseTagSlug("2024.12")).toBe("2024-12");
    expect(releaseTagSlug("2026.01.00-support")).toBe("2026-01-00-support");
  });
});
