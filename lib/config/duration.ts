/**
 * Durations in configuration: Go style as Helm prints them (`10m0s`, `1h30m`, `250ms`, `2d`) or ISO-8601
 * (`PT10M`, `P1DT2H`, `P2W`). Months and years are refused: their length depends on the calendar.
 */
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

const GO_STYLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const GO_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim();
  if (GO_STYLE.test(trimmed)) {
    let ms = 0;
    for (const [, amount, unit] of trimmed.matchAll(GO_PART)) ms += Number(amount) * UNIT_MS[unit as Unit];
    return { ok: true, ms: Math.round(ms) };
  }
  const iso = ISO.exec(trimmed.toUpperCase());
  if (iso && trimmed.length > 1 && !trimmed.toUpperCase().endsWith("T")) {
    const [, weeks, days, hours, minutes, seconds] = iso.map((part) => Number(part ?? 0));
    const ms =
      (weeks ?? 0) * UNIT_MS.w +
      (days ?? 0) * UNIT_MS.d +
      (hours ?? 0) * UNIT_MS.h +
      (minutes ?? 0) * UNIT_MS.m +
      (seconds ?? 0) * UNIT_MS.s;
    return { ok: true, ms: Math.round(ms) };
  }
  return {
    ok: false,
    reason: `"${text}" is not a duration: use e.g. 30s, 10m, 4h, 1h30m, 2d or ISO-8601 PT10M`,
  };
}

/** Milliseconds as Go prints a duration (`10m0s`), the form `helm --timeout` expects. */
export function formatGoDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** A duration string in the file, milliseconds once parsed; a positive amount is required. */
export const durationSchema = z
  .string({ error: "expected a duration with a unit, e.g. 30s, 10m, 4h or PT10M" })
  .transform((text, ctx): number => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.reason });
      return z.NEVER;
    }
    if (parsed.ms <= 0) {
      ctx.addIssue({ code: "custom", message: `"${text}" must be longer than zero` });
      return z.NEVER;
    }
    return parsed.ms;
  });
