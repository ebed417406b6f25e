/** Downtime as the stage timeline shows it: from the moment the Helm upgrade may take the UI down to its return. */
import { HELM_STAGES, type StageRecord } from "../workflow/model.js";
import type { Downtime } from "./record.js";

export const DOWNTIME_METHOD =
  "From the start of the first Helm upgrade stage (helm-upgrade, or upgrade-mode for a data upgrade) to the end of " +
  "the first successful verify stage after it, when the release was deployed, the pods healthy, 'Application " +
  "started' logged and the UI answering again; times are the orchestration's clock. Without a successful " +
  "verification the UI was never confirmed back: the downtime then runs to the end of the run and is a lower bound.";

const ms = (at: string): number => new Date(at).getTime();

export function computeDowntime(
  stages: readonly Pick<StageRecord, "name" | "state" | "startedAt" | "endedAt">[],
  runEndedAt?: string,
): Downtime {
  const down = stages.filter((s) => HELM_STAGES.includes(s.name)).sort((a, b) => ms(a.startedAt) - ms(b.startedAt))[0];
  if (!down) return { durationMs: 0, confirmed: true, method: `${DOWNTIME_METHOD} No Helm upgrade ran: no downtime.` };
  const back = stages
    .filter((s) => s.name === "verify" && s.state === "succeeded" && s.endedAt && ms(s.startedAt) >= ms(down.startedAt))
    .sort((a, b) => ms(a.startedAt) - ms(b.startedAt))[0];
  if (back?.endedAt)
    return {
      startedAt: down.startedAt,
      endedAt: back.endedAt,
      durationMs: Math.max(0, ms(back.endedAt) - ms(down.startedAt)),
      confirmed: true,
      method: DOWNTIME_METHOD,
    };
  const lastSeen =
    runEndedAt ??
    stages
      .map((s) => s.endedAt ?? s.startedAt)
      .sort((a, b) => ms(a) - ms(b))
      .at(-1);
  return {
    startedAt: down.startedAt,
    ...(lastSeen ? { durationMs: Math.max(0, ms(lastSeen) - ms(down.startedAt)) } : {}),
    confirmed: false,
    method: DOWNTIME_METHOD,
  };
}

/** A chain's downtime is the sum of its hops'; it is confirmed only when every hop's is. */
export function chainDowntime(hops: readonly Downtime[]): Downtime {
  const starts = hops.flatMap((h) => (h.startedAt ? [h.startedAt] : []));
  const ends = hops.flatMap((h) => (h.endedAt ? [h.endedAt] : []));
  return {
    ...(starts[0] ? { startedAt: starts[0] } : {}),
    ...(ends.length === hops.length && ends.at(-1) ? { endedAt: ends.at(-1) } : {}),
    durationMs: hops.reduce((sum, h) => sum + (h.durationMs ?? 0), 0),
    confirmed: hops.every((h) => h.confirmed),
    method: `${DOWNTIME_METHOD} For a chain of upgrades, the sum of the hops' downtimes.`,
  };
}
