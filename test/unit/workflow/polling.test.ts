import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LATE_RATIO,
  LOGGED_DATA_UPGRADE_MS,
  PAST_SPREAD_RATIO,
  POLL_FLOOR_MS,
  RUNBOOK_HEALTHY_MS,
  SLOW_INTERVALS,
  nextPollAt,
  nextPollDelay,
  paceFor,
  pastDurations,
  type PastRun,
} from "../../../lib/workflow/polling.js";

const T0 = Date.parse("2026-03-07T20:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString();

/** Polls a wait that ends at `endMs` from `T0` on the schedule; answers when the end was seen and how many polls. */
function simulate(pace: { expectedAtMs: number; slowMs: number }, intervalMs: number, endMs: number, deadlineMs = 1e9) {
  let now = T0;
  let polls = 0;
  for (;;) {
    polls++;
    if (now >= T0 + endMs) return { seenAt: now - T0, polls };
    if (now >= T0 + deadlineMs) return { seenAt: Infinity, polls };
    now += nextPollDelay(pace, { nowMs: now, intervalMs, deadlineMs: T0 + deadlineMs });
  }
}

const interval = fc.integer({ min: 1_000, max: 120_000 });
const offset = fc.integer({ min: -3_600_000, max: 3_600_000 });

describe("nextPollDelay", () => {
  it("never polls faster than the floor (or the interval when shorter) unless the deadline comes first", () => {
    fc.assert(
      fc.property(interval, offset, fc.integer({ min: 1, max: 600_000 }), (intervalMs, left, slowMs) => {
        const delay = nextPollDelay(
          { expectedAtMs: T0 + left, slowMs },
          { nowMs: T0, intervalMs, deadlineMs: T0 + 86_400_000 },
        );
        expect(delay).toBeGreaterThanOrEqual(Math.min(POLL_FLOOR_MS, intervalMs));
      }),
    );
  });

  it("never polls slower than the profile's interval once the expected end has passed", () => {
    fc.assert(
      fc.property(interval, fc.integer({ min: 0, max: 86_400_000 }), (intervalMs, late) => {
        const delay = nextPollDelay(
          { expectedAtMs: T0 - late, slowMs: SLOW_INTERVALS * intervalMs },
          { nowMs: T0, intervalMs, deadlineMs: T0 + 86_400_000 },
        );
        expect(delay).toBeLessThanOrEqual(intervalMs);
      }),
    );
  });

  it("never plans a poll after the deadline", () => {
    fc.assert(
      fc.property(interval, offset, fc.integer({ min: 0, max: 600_000 }), (intervalMs, left, untilDeadline) => {
        const at = nextPollAt(
          { expectedAt: iso(T0 + left), slowMs: SLOW_INTERVALS * intervalMs },
          { nowMs: T0, intervalMs, deadlineMs: T0 + untilDeadline },
        );
        expect(at).toBeLessThanOrEqual(T0 + untilDeadline);
        expect(at).toBeGreaterThanOrEqual(T0);
      }),
    );
  });

  it("before the expected end, waits at most slowMs and lands a poll within the floor of it", () => {
    fc.assert(
      fc.property(interval, fc.integer({ min: 1, max: 7_200_000 }), (intervalMs, lead) => {
        const slowMs = SLOW_INTERVALS * intervalMs;
        let now = T0;
        const expectedAtMs = T0 + lead;
        const floor = Math.min(POLL_FLOOR_MS, intervalMs);
        let lastBefore = now;
        while (now < expectedAtMs) {
          const delay = nextPollDelay({ expectedAtMs, slowMs }, { nowMs: now, intervalMs, deadlineMs: T0 + 1e9 });
          expect(delay).toBeLessThanOrEqual(slowMs);
          lastBefore = now;
          now += delay;
        }
        // The last poll before the expected end is no further from it than the floor.
        expect(expectedAtMs - lastBefore).toBeLessThanOrEqual(Math.max(floor, 1));
      }),
    );
  });

  it("sees an end that comes late within LATE_RATIO of its lateness (or the floor), capped at the interval", () => {
    fc.assert(
      fc.property(
        interval,
        fc.integer({ min: 60_000, max: 1_800_000 }),
        fc.integer({ min: 0, max: 1_800_000 }),
        (intervalMs, expected, late) => {
          const { seenAt } = simulate(
            { expectedAtMs: T0 + expected, slowMs: SLOW_INTERVALS * intervalMs },
            intervalMs,
            expected + late,
          );
          const latency = seenAt - (expected + late);
          const bound = Math.min(intervalMs, Math.max(Math.min(POLL_FLOOR_MS, intervalMs), late * LATE_RATIO * 1.2));
          expect(latency).toBeLessThanOrEqual(bound + 1);
        },
      ),
    );
  });

  it("costs few polls: a 20-minute wait expected right polls about as often as a fixed 30 s interval", () => {
    const intervalMs = 30_000;
    const expected = 20 * 60_000;
    const adaptive = simulate(
      { expectedAtMs: T0 + expected, slowMs: SLOW_INTERVALS * intervalMs },
      intervalMs,
      expected + 10_000,
    );
    const fixed = Math.ceil((expected + 10_000) / intervalMs) + 1;
    expect(adaptive.seenAt - (expected + 10_000)).toBeLessThanOrEqual(POLL_FLOOR_MS);
    expect(adaptive.polls).toBeLessThanOrEqual(fixed);
  });

  it("polls at the floor throughout the expected window, early or late within it", () => {
    fc.assert(
      fc.property(
        interval,
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: -1000, max: 1000 }),
        (intervalMs, spreadMs, at) => {
          const nowMs = T0 + Math.round((at / 1000) * spreadMs);
          const delay = nextPollDelay(
            { expectedAtMs: T0, spreadMs, slowMs: SLOW_INTERVALS * intervalMs },
            { nowMs, intervalMs, deadlineMs: T0 + 86_400_000 },
          );
          expect(delay).toBe(Math.min(POLL_FLOOR_MS, intervalMs));
        },
      ),
    );
  });

  it("without a pace polls at the fixed interval, as runs before 2.3 do", () => {
    expect(nextPollAt(undefined, { nowMs: T0, intervalMs: 30_000, deadlineMs: T0 + 3_600_000 })).toBe(T0 + 30_000);
    expect(nextPollAt(undefined, { nowMs: T0, intervalMs: 30_000, deadlineMs: T0 + 10_000 })).toBe(T0 + 10_000);
  });
});

const stage = (name: PastRun["stages"][number]["name"], from: number, to: number, state = "succeeded") => ({
  name,
  startedAt: iso(T0 + from),
  endedAt: iso(T0 + to),
  state,
});

describe("pastDurations", () => {
  it("takes the shortest of each wait; verify counts from the Helm stage before it", () => {
    const runs: PastRun[] = [
      {
        mode: "basic",
        stages: [stage("approval", 0, 1000), stage("helm-upgrade", 2000, 542_000), stage("verify", 543_000, 1_232_000)],
      },
      {
        mode: "basic",
        stages: [stage("helm-upgrade", 0, 530_000), stage("verify", 531_000, 1_240_000)],
      },
    ];
    expect(pastDurations(runs)).toEqual({ "helm-upgrade": 530_000, verify: 1_230_000, runs: 2 });
  });

  it("counts a data upgrade's verify from finalize, and ignores failed stages and unfinished runs", () => {
    const runs: PastRun[] = [
      {
        mode: "data-upgrade",
        dataUpgradeTo: "Version450",
        stages: [
          stage("upgrade-mode", 0, 1_230_000),
          stage("data-upgrade", 1_231_000, 1_245_000),
          stage("finalize", 1_246_000, 1_260_000),
          stage("verify", 1_260_500, 1_776_000),
        ],
      },
      // Version440's data upgrade ran 51 min: it says nothing about Version450's.
      { mode: "data-upgrade", dataUpgradeTo: "Version440", stages: [stage("data-upgrade", 0, 3_044_055)] },
      { mode: "data-upgrade", stages: [stage("upgrade-mode", 0, 100, "failed")] },
      { mode: "data-upgrade", stages: [{ name: "upgrade-mode", startedAt: iso(T0), state: "running" }] },
    ];
    expect(pastDurations(runs, "Version450")).toEqual({
      "upgrade-mode": 1_230_000,
      "data-upgrade": 14_000,
      finalize: 14_000,
      verify: 530_000,
      runs: 1,
    });
  });
});

describe("paceFor", () => {
  const intervalMs = 30_000;

  it("paces by previous runs first, slow before the end", () => {
    expect(paceFor({ kind: "verify", after: "basic" }, T0, { verify: 1_230_000, runs: 1 }, intervalMs)).toEqual({
      expectedAt: iso(T0 + 1_230_000),
      spreadMs: Math.round(PAST_SPREAD_RATIO * 1_230_000),
      slowMs: SLOW_INTERVALS * intervalMs,
    });
  });

  it("falls back on the runbook and the pages' logs, never slower than the interval", () => {
    expect(paceFor({ kind: "verify", after: "basic" }, T0, undefined, intervalMs)).toEqual({
      expectedAt: iso(T0 + RUNBOOK_HEALTHY_MS),
      slowMs: intervalMs,
    });
    expect(paceFor({ kind: "data-upgrade", toVersion: "Version440" }, T0, { runs: 0 }, intervalMs)).toEqual({
      expectedAt: iso(T0 + (LOGGED_DATA_UPGRADE_MS.Version440 ?? 0)),
      slowMs: intervalMs,
    });
  });

  it("leaves waits nothing predicts at the fixed interval", () => {
    expect(paceFor({ kind: "data-upgrade", toVersion: "Version470" }, T0, undefined, intervalMs)).toBeUndefined();
    expect(paceFor({ kind: "helm", phase: "finalize" }, T0, undefined, intervalMs)).toBeUndefined();
    expect(
      paceFor({ kind: "helm", phase: "rollback" }, T0, { "helm-upgrade": 5, runs: 1 }, intervalMs),
    ).toBeUndefined();
  });
});
