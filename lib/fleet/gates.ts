/** Gate arithmetic, pure: when a scheduled start opens, and what a gate waits for, in words. */
import type { Gate } from "./plan.js";

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

const offsetMs = (utcOffset: string): number => {
  const sign = utcOffset.startsWith("-") ? -1 : 1;
  const [hours = 0, minutes = 0] = utcOffset.slice(1).split(":").map(Number);
  return sign * (hours * 3_600_000 + minutes * 60_000);
};

/**
 * The first moment at or after `at` when the gate's local time (`time` at `utcOffset`) falls on one of its days.
 * A gate reached on its day after its time waits for the next allowed day: the schedule names a start, not a window.
 */
export function scheduledStartAt(gate: Extract<Gate, { type: "scheduledStart" }>, at: number): number {
  const offset = offsetMs(gate.utcOffset);
  const [hours = 0, minutes = 0] = gate.time.split(":").map(Number);
  const local = new Date(at + offset);
  const localMidnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  for (let day = 0; day <= 7; day++) {
    const localStart = localMidnight + day * 86_400_000 + hours * 3_600_000 + minutes * 60_000;
    const weekday = WEEKDAYS[new Date(localStart).getUTCDay()];
    const utc = localStart - offset;
    if (utc >= at && weekday && (!gate.days || gate.days.includes(weekday))) return utc;
  }
  throw new Error("unreachable: a weekly schedule with at least one day opens within a week");
}

export function describeGate(gate: Gate): string {
  switch (gate.type) {
    case "approval":
      return `approval by ${gate.required} of ${gate.approvers.join(", ")}`;
    case "scheduledStart":
      return `scheduled start ${gate.days ? `${gate.days.join("/")} ` : ""}${gate.time} UTC${gate.utcOffset}`;
    case "health":
      return "health of the clusters upgraded so far";
  }
}
