import { describe, expect, it } from "vitest";
import { chainDowntime, computeDowntime } from "../../../lib/audit/index.js";

const at = (minute: number): string => new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString();
type S = Parameters<typeof computeDowntime>[0][number];
const stage = (name: S["name"], state: S["state"], from: number, to?: number): S => ({
  name,
  state,
  startedAt: at(from),
  ...(to === undefined ? {} : { endedAt: at(to) }),
});

describe("computeDowntime", () => {
  it.each([
    {
      title: "basic upgrade: helm-upgrade start to verify end",
      stages: [
        stage("approval", "succeeded", 0, 5),
        stage("helm-upgrade", "succeeded", 6, 16),
        stage("verify", "succeeded", 16, 20),
      ],
      expected: { startedAt: at(6), endedAt: at(20), durationMs: 14 * 60_000, confirmed: true },
    },
    {
      title: "data upgrade: upgrade-mode start to verify end",
      stages: [
        stage("upgrade-mode", "succeeded", 10, 20),
        stage("data-upgrade", "succeeded", 20, 40),
        stage("finalize", "succeeded", 40, 45),
        stage("verify", "succeeded", 45, 47),
      ],
      expected: { startedAt: at(10), endedAt: at(47), durationMs: 37 * 60_000, confirmed: true },
    },
    {
      title: "failed verification: to the end of the run, not confirmed",
      stages: [
        stage("helm-upgrade", "succeeded", 6, 16),
        stage("verify", "failed", 16, 46),
        stage("rollback", "succeeded", 46, 50),
      ],
      runEnd: at(51),
      expected: { startedAt: at(6), durationMs: 45 * 60_000, confirmed: false },
    },
    {
      title: "halted data upgrade still running: to the last stage seen",
      stages: [stage("upgrade-mode", "succeeded", 10, 20), stage("data-upgrade", "failed", 20, 30)],
      expected: { startedAt: at(10), durationMs: 20 * 60_000, confirmed: false },
    },
    {
      title: "a verify before the upgrade does not count",
      stages: [stage("verify", "succeeded", 1, 2), stage("helm-upgrade", "failed", 6, 16)],
      runEnd: at(16),
      expected: { startedAt: at(6), durationMs: 10 * 60_000, confirmed: false },
    },
  ])("$title", ({ stages, runEnd, expected }) => {
    const downtime = computeDowntime(stages, runEnd);
    expect(downtime).toMatchObject(expected);
    if (!expected.confirmed) expect(downtime.endedAt).toBeUndefined();
  });

  it("is zero when no Helm upgrade ran (rejected, failed pre-checks)", () => {
    expect(computeDowntime([stage("approval", "failed", 0, 5)], at(6))).toMatchObject({
      durationMs: 0,
      confirmed: true,
    });
    expect(computeDowntime([], undefined).startedAt).toBeUndefined();
  });

  it("says how it is computed", () => {
    expect(computeDowntime([]).method).toMatch(/helm-upgrade.*upgrade-mode.*verify/s);
  });
});

describe("chainDowntime", () => {
  it("adds the hops' downtimes and is confirmed only when all are", () => {
    const one = computeDowntime([stage("helm-upgrade", "succeeded", 0, 5), stage("verify", "succeeded", 5, 6)]);
    const two = computeDowntime([stage("upgrade-mode", "succeeded", 10, 20), stage("verify", "succeeded", 30, 32)]);
    expect(chainDowntime([one, two])).toMatchObject({
      startedAt: at(0),
      endedAt: at(32),
      durationMs: 28 * 60_000,
      confirmed: true,
    });
    const broken = computeDowntime([stage("helm-upgrade", "failed", 40, 45)], at(45));
    expect(chainDowntime([one, broken])).toMatchObject({ durationMs: 11 * 60_000, confirmed: false });
    expect(chainDowntime([one, broken]).endedAt).toBeUndefined();
  });
});
