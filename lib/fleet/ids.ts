/**
 * Wave ids and the ids of everything a wave starts, all derived from the wave's id so a replay, a restart or a retry
 * finds the same instances: `wave-<yyyymmdd>t<hhmmss>z-<hex>`; each cluster's upgrade run is an ordinary run id
 * (lib/workflow/runId.ts) made of the cluster, the wave's time and hex, and the attempt, so the upgrade routes, the
 * audit and the dashboard read it like any run.
 */
import { newRunId } from "../workflow/runId.js";

const WAVE_ID = /^wave-(\d{8}t\d{6}z)-([0-9a-f]{6})$/;

export const newWaveId = (now: Date, hex: string): string => newRunId("wave", now, hex);

export const isWaveId = (id: string): boolean => WAVE_ID.test(id);

/** The cluster's upgrade run for `attempt` (0 first, one more per retry). */
export function waveRunId(waveId: string, cluster: string, attempt: number): string {
  const match = WAVE_ID.exec(waveId);
  if (!match) throw new Error(`not a wave id: ${waveId}`);
  return `${cluster}-${match[1]}-${match[2]}${attempt.toString(16).padStart(2, "0")}`;
}

/** A stage's pass: a retry or a resume runs the stage again as a new instance. */
export const stageInstanceId = (waveId: string, index: number, pass: number): string =>
  `${waveId}:stage-${index}:${pass}`;
export const clusterInstanceId = (stageInstance: string, cluster: string, attempt: number): string =>
  `${stageInstance}:${cluster}:${attempt}`;
export const gateInstanceId = (waveId: string, where: string, index: number, pass: number): string =>
  `${waveId}:gate-${where}-${index}:${pass}`;
