/**
 * When users hear that the downtime takes longer than announced (CluedIn.Documentation upgrade-guide/
 * 010-plan-the-upgrade.md, "Inform the stakeholders": during the upgrade, provide updates if it takes longer than
 * anticipated). One update per threshold, measured from when the downtime began: never more, however often the run
 * looks.
 */

/** Multiples of the expected downtime at which users get one update each. */
export const OVERRUN_FACTORS = [1, 2] as const;

export interface OverrunThreshold {
  factor: number;
  at: number;
}

/** The next threshold not yet announced, if any. `announced` lists the factors already sent. */
export function nextOverrun(
  downtimeStartedAt: number,
  expectedMinutes: number,
  announced: readonly number[],
): OverrunThreshold | undefined {
  const factor = OVERRUN_FACTORS.find((f) => !announced.some((a) => a >= f));
  return factor === undefined ? undefined : { factor, at: downtimeStartedAt + factor * expectedMinutes * 60_000 };
}

/**
 * The highest threshold that `now` has passed and that was not announced yet: a run that wakes late sends one
 * update for where it stands, not one per missed threshold.
 */
export function dueOverrun(
  downtimeStartedAt: number,
  expectedMinutes: number,
  announced: readonly number[],
  now: number,
): number | undefined {
  const passed = OVERRUN_FACTORS.filter((f) => now >= downtimeStartedAt + f * expectedMinutes * 60_000);
  const highest = passed.at(-1);
  return highest === undefined || announced.some((f) => f >= highest) ? undefined : highest;
}
