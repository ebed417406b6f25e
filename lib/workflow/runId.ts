/**
 * The upgrade run id, one format for the whole app: `<cluster>-<yyyymmdd>t<hhmmss>z-<hex>`, and `-hop<N>` for each
 * hop of a chain. Ids say which cluster and when, and never repeat, so an earlier run's history is never
 * overwritten; the cluster's lock has an id of its own that this format can never produce. The stand-alone restore
 * of a run's snapshot set is `<run id>-restore`: a suffix, not a prefix, so that a cluster named `restore-x` cannot
 * be mistaken for a restore of cluster `x`.
 */
const RUN_ID = /^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)-(\d{8}t\d{6}z)-([0-9a-f]+)(?:-hop(\d+))?(-restore)?$/;
const RESTORE_SUFFIX = "-restore";

export interface RunIdParts {
  cluster: string;
  /** The run this id is a hop of, or the run itself. */
  root: string;
  hop?: number;
  /** Set for a restore's id: the run whose snapshot set it restores. */
  restores?: string;
}

export function newRunId(cluster: string, now: Date, random: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "z")
    .toLowerCase();
  return `${cluster}-${stamp}-${random.toLowerCase()}`;
}

export const hopRunId = (runId: string, hop: number): string => `${runId}-hop${hop}`;

/** The restore of run `runId`'s snapshot set: one per run, so a second request finds the first. */
export const restoreRunId = (runId: string): string => `${runId}${RESTORE_SUFFIX}`;

/** The parts of an id this app made; undefined for anything else (a lock, a monitor, a forged name). */
export function parseRunId(id: string): RunIdParts | undefined {
  const match = RUN_ID.exec(id);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const root = `${match[1]}-${match[2]}-${match[3]}`;
  return {
    cluster: match[1],
    root,
    ...(match[4] ? { hop: Number(match[4]) } : {}),
    ...(match[5] ? { restores: id.slice(0, -RESTORE_SUFFIX.length) } : {}),
  };
}

export const RUN_ID_PATTERN = RUN_ID.source;
