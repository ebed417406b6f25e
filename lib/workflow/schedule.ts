/**
 * When a run's Helm change may start: not before the requested time, inside the profile's maintenance window when it
 * has one, and never on a blocked day (operations lore, REFERENCE §7: no Friday upgrades) unless an approver
 * overrode it with a reason. Days are read in the profile's time zone when it names one, else in UTC. Pure: the
 * orchestration passes its own clock.
 */
import { nextMaintenanceWindow, WEEKDAYS, type MaintenanceWindow, type Weekday } from "../config/clusters.js";

export interface SchedulePolicy {
  blockedDays: readonly Weekday[];
  timeZone?: string | undefined;
  maintenanceWindow?: MaintenanceWindow | undefined;
}

export interface Window {
  opensAt: number;
  closesAt: number;
}

export type StartPlan =
  | {
      ok: true;
      startsAt: number;
      /** The maintenance window the change starts in, when the profile has one. */
      window?: Window;
      /** The blocked day an approver's override let the change start on. */
      overriddenDay?: Weekday;
    }
  | { ok: false; day: Weekday; reason: string };

const DAY_NAMES: Record<Weekday, string> = {
  sun: "Sunday",
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
};

/** Windows looked at before the search gives up: eight weeks of a weekly window. */
const MAX_WINDOWS = 8 * 7;

/** The weekday of `at` in `timeZone` (UTC when none). */
export function weekdayAt(at: number, timeZone?: string): Weekday {
  const short = new Intl.DateTimeFormat("en-US", { timeZone: timeZone ?? "UTC", weekday: "short" }).format(at);
  return WEEKDAYS.find((day) => short.toLowerCase().startsWith(day)) ?? "sun";
}

function clock(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

/** `Sat 2026-01-10 20:00 UTC (Sat 2026-01-10 21:00 Europe/Amsterdam)`: UTC first, the profile's zone beside it. */
export function describeInstant(at: number, timeZone?: string): string {
  const utc = `${clock(at, "UTC")} UTC`;
  return timeZone && timeZone !== "UTC" ? `${utc} (${clock(at, timeZone)} ${timeZone})` : utc;
}

export const describeWindow = (window: Window, timeZone?: string): string =>
  `from ${describeInstant(window.opensAt, timeZone)} to ${describeInstant(window.closesAt, timeZone)}`;

const blockedReason = (at: number, policy: SchedulePolicy, day: Weekday): string =>
  `the Helm change would start ${describeInstant(at, policy.timeZone)}, a ${DAY_NAMES[day]}: a blocked day of this cluster (blockedDays: ${policy.blockedDays.join(", ")}); an approver may override it with a reason`;

/**
 * The start of the Helm change for a run approved at `now`. With a maintenance window, the first window (open now or
 * later) whose start falls on an allowed day; without one, `notBefore` or now, refused when that is a blocked day.
 * An override lets a blocked day through.
 */
export function planStart(
  policy: SchedulePolicy,
  args: { now: number; notBefore?: number | undefined; override: boolean },
): StartPlan {
  const earliest = Math.max(args.now, args.notBefore ?? args.now);
  const blocked = (at: number): Weekday | undefined => {
    const day = weekdayAt(at, policy.timeZone);
    return policy.blockedDays.includes(day) ? day : undefined;
  };
  const window = policy.maintenanceWindow;
  if (!window) {
    const day = blocked(earliest);
    if (day === undefined) return { ok: true, startsAt: earliest };
    if (args.override) return { ok: true, startsAt: earliest, overriddenDay: day };
    return { ok: false, day, reason: blockedReason(earliest, policy, day) };
  }
  let from = earliest;
  let firstBlocked: Weekday | undefined;
  for (let i = 0; i < MAX_WINDOWS; i++) {
    const open = nextMaintenanceWindow(window, from);
    const startsAt = Math.max(earliest, open.opensAt);
    const day = blocked(startsAt);
    if (day === undefined) return { ok: true, startsAt, window: open };
    if (args.override) return { ok: true, startsAt, window: open, overriddenDay: day };
    firstBlocked ??= day;
    from = open.closesAt;
  }
  const day = firstBlocked ?? weekdayAt(earliest, policy.timeZone);
  return {
    ok: false,
    day,
    reason: `every maintenance window (${window.days.join(", ")} ${window.start} UTC) starts on a blocked day (blockedDays: ${policy.blockedDays.join(", ")}); an approver may override it with a reason`,
  };
}

/** What the approval page says about the start: when it would be, and whether a blocked day stands in the way. */
export function startStatus(
  policy: SchedulePolicy,
  args: { now: number; notBefore?: number | undefined },
): { blocked: boolean; text: string } {
  if (policy.blockedDays.length === 0 && !policy.maintenanceWindow)
    return { blocked: false, text: "No blocked days for this cluster: the upgrade starts once approved." };
  const plan = planStart(policy, { ...args, override: false });
  if (!plan.ok)
    return {
      blocked: true,
      text: `Blocked day: ${plan.reason}. Approving as is stops the run; choose Override with a reason to upgrade anyway.`,
    };
  const days = policy.blockedDays.length ? policy.blockedDays.join(", ") : "none";
  const when = plan.window
    ? `in the maintenance window ${describeWindow(plan.window, policy.timeZone)}`
    : `at ${describeInstant(plan.startsAt, policy.timeZone)}`;
  return { blocked: false, text: `Not a blocked day (blocked: ${days}): the upgrade would start ${when}.` };
}
