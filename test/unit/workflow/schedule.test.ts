import { describe, expect, it } from "vitest";
import type { Weekday } from "../../../lib/config/index.js";
import {
  describeInstant,
  planStart,
  startStatus,
  weekdayAt,
  type SchedulePolicy,
} from "../../../lib/workflow/schedule.js";

const at = (iso: string): number => Date.parse(iso);
// 2026-01-09 is a Friday.
const FRI_NOON = at("2026-01-09T12:00:00Z");

describe("weekdayAt", () => {
  it.each<[string, string | undefined, Weekday]>([
    ["2026-01-09T12:00:00Z", undefined, "fri"],
    ["2026-01-09T23:30:00Z", undefined, "fri"],
    // Thursday 23:30 UTC is already Friday in Amsterdam (UTC+1 in winter).
    ["2026-01-08T23:30:00Z", "Europe/Amsterdam", "fri"],
    // Friday 02:00 UTC is still Thursday in New York.
    ["2026-01-09T02:00:00Z", "America/New_York", "thu"],
    // Saturday 01:00 in Tokyo is Friday 16:00 UTC.
    ["2026-01-09T16:00:00Z", "Asia/Tokyo", "sat"],
  ])("%s in %s is %s", (iso, zone, day) => {
    expect(weekdayAt(at(iso), zone)).toBe(day);
  });
});

describe("planStart", () => {
  const fri: SchedulePolicy = { blockedDays: ["fri"] };
  const saturdayWindow = { days: ["sat" as const], start: "20:00", duration: 6 * 3_600_000 };

  it.each<[string, SchedulePolicy, { now: number; notBefore?: number; override: boolean }, object]>([
    ["no blocked days: now", { blockedDays: [] }, { now: FRI_NOON, override: false }, { ok: true, startsAt: FRI_NOON }],
    ["Friday blocked, no window: refused", fri, { now: FRI_NOON, override: false }, { ok: false, day: "fri" }],
    [
      "Friday blocked, overridden",
      fri,
      { now: FRI_NOON, override: true },
      { ok: true, startsAt: FRI_NOON, overriddenDay: "fri" },
    ],
    [
      "notBefore on Saturday: allowed",
      fri,
      { now: FRI_NOON, notBefore: at("2026-01-10T08:00:00Z"), override: false },
      { ok: true, startsAt: at("2026-01-10T08:00:00Z") },
    ],
    [
      "Thursday evening UTC is Friday in Amsterdam: refused",
      { blockedDays: ["fri"], timeZone: "Europe/Amsterdam" },
      { now: at("2026-01-08T23:30:00Z"), override: false },
      { ok: false, day: "fri" },
    ],
    [
      "Friday early UTC is Thursday in New York: allowed",
      { blockedDays: ["fri"], timeZone: "America/New_York" },
      { now: at("2026-01-09T02:00:00Z"), override: false },
      { ok: true },
    ],
    [
      "window on Saturday: waits for it",
      { blockedDays: ["fri"], maintenanceWindow: saturdayWindow },
      { now: FRI_NOON, override: false },
      {
        ok: true,
        startsAt: at("2026-01-10T20:00:00Z"),
        window: { opensAt: at("2026-01-10T20:00:00Z"), closesAt: at("2026-01-11T02:00:00Z") },
      },
    ],
    [
      "windows on Friday and Saturday: the Friday one is skipped",
      { blockedDays: ["fri"], maintenanceWindow: { ...saturdayWindow, days: ["fri", "sat"] } },
      { now: at("2026-01-09T08:00:00Z"), override: false },
      { ok: true, startsAt: at("2026-01-10T20:00:00Z") },
    ],
    [
      "windows on Friday only: refused",
      { blockedDays: ["fri"], maintenanceWindow: { ...saturdayWindow, days: ["fri"] } },
      { now: FRI_NOON, override: false },
      { ok: false, day: "fri" },
    ],
    [
      "windows on Friday only, overridden: the next Friday window",
      { blockedDays: ["fri"], maintenanceWindow: { ...saturdayWindow, days: ["fri"] } },
      { now: FRI_NOON, override: true },
      { ok: true, startsAt: at("2026-01-09T20:00:00Z"), overriddenDay: "fri" },
    ],
  ])("%s", (_name, policy, args, expected) => {
    expect(planStart(policy, args)).toMatchObject(expected);
  });

  it("names the day, the zone and the way out when it refuses", () => {
    const plan = planStart({ blockedDays: ["fri"], timeZone: "Europe/Amsterdam" }, { now: FRI_NOON, override: false });
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.reason).toContain("a Friday");
      expect(plan.reason).toContain("Europe/Amsterdam");
      expect(plan.reason).toContain("override it with a reason");
    }
  });
});

describe("describeInstant and startStatus", () => {
  it("shows UTC and the profile's zone", () => {
    expect(describeInstant(FRI_NOON)).toBe("Fri 2026-01-09 12:00 UTC");
    expect(describeInstant(FRI_NOON, "Europe/Amsterdam")).toBe(
      "Fri 2026-01-09 12:00 UTC (Fri 2026-01-09 13:00 Europe/Amsterdam)",
    );
  });

  it.each<[string, SchedulePolicy, boolean, string]>([
    ["nothing blocked", { blockedDays: [] }, false, "No blocked days"],
    ["Friday", { blockedDays: ["fri"] }, true, "Blocked day"],
    ["Monday only", { blockedDays: ["mon"] }, false, "Not a blocked day"],
  ])("%s", (_name, policy, blocked, text) => {
    const status = startStatus(policy, { now: FRI_NOON });
    expect(status.blocked).toBe(blocked);
    expect(status.text).toContain(text);
  });
});
