/**
 * `--follow`: the run as a live list of stages in the terminal (redrawn in place on a TTY, one line per change
 * otherwise) until it ends.
 */
import { formatDuration } from "../lib/audit/index.js";
import { expectedStages, runProgress } from "../lib/web/dashboard.js";
import { stillToDecide } from "../lib/workflow/decisions.js";
import type { UpgradeResource } from "../lib/workflow/status.js";
import { Api, ApiUnreachableError, errorText } from "./api.js";

const MARK: Record<string, string> = { succeeded: "✓", failed: "✗", running: "▶", skipped: "–" };
const BAR = 24;

const since = (from: string | undefined, to: number): string =>
  from ? formatDuration(Math.max(0, to - new Date(from).getTime())) : "–";

/** The screen for one reading of the run (pure: tested as text). */
export function renderRun(run: UpgradeResource, now: Date): string[] {
  const end = run.finished && run.updatedAt ? new Date(run.updatedAt).getTime() : now.getTime();
  const lines = [
    `${run.id}  ${run.cluster}  ${run.fromRelease ?? "?"} → ${run.targetRelease}${run.mode ? ` (${run.mode})` : ""}`,
    `status ${run.status}${run.stage && !run.finished ? `, stage ${run.stage}` : ""}, elapsed ${since(run.createdAt, end)}`,
  ];
  const names = run.finished ? [...new Set(run.stages.map((s) => s.name as string))] : expectedStages(run);
  for (const name of names) {
    const stage = run.stages.filter((s) => s.name === name).at(-1);
    const took = stage ? since(stage.startedAt, stage.endedAt ? new Date(stage.endedAt).getTime() : now.getTime()) : "";
    const note = stage?.note ? `  ${stage.note.length > 90 ? `${stage.note.slice(0, 89)}…` : stage.note}` : "";
    lines.push(
      `  ${stage ? (MARK[stage.state] ?? "?") : "·"} ${name.padEnd(16)} ${took.padStart(12)}${note}`.trimEnd(),
    );
  }
  const pending = run.approvals.pending;
  if (pending)
    lines.push(
      `  waiting for ${pending.kind}: ${pending.decided.length} of ${pending.required}; still to decide: ${stillToDecide(pending).join(", ") || "nobody"}; deadline ${pending.deadline}`,
    );
  const progress = runProgress(run);
  const filled = progress.total ? Math.round((progress.done / progress.total) * BAR) : 0;
  lines.push(`  [${"#".repeat(filled)}${".".repeat(BAR - filled)}] ${progress.done}/${progress.total} stages`);
  if (run.finished && run.reason) lines.push(`${run.status}: ${run.reason}`);
  return lines;
}

export interface FollowOptions {
  intervalMs: number;
  /** Redraw in place (a terminal) or print a line per change (a log). */
  tty: boolean;
  quiet: boolean;
  write: (text: string) => void;
  /** Where the run is read: an upgrade (the default) or a restore of a run's snapshot set. */
  collection?: "upgrades" | "restores";
}

/** Polls until the run ends or halts; a few missed polls are tolerated, a gone API is not. */
export async function follow(api: Api, id: string, options: FollowOptions): Promise<UpgradeResource> {
  let drawn = 0;
  let lastKey = "";
  let misses = 0;
  for (;;) {
    let run: UpgradeResource | undefined;
    try {
      const route = `/api/${options.collection ?? "upgrades"}/${encodeURIComponent(id)}`;
      const reply = await api.request<UpgradeResource>("GET", route);
      if (reply.status !== 200) throw new Error(errorText(reply));
      run = reply.body;
      misses = 0;
    } catch (error) {
      if (!(error instanceof ApiUnreachableError) || ++misses >= 5) throw error;
    }
    if (run && !options.quiet) {
      if (options.tty) {
        const lines = renderRun(run, new Date());
        options.write(`${drawn ? `\x1b[${drawn}F\x1b[0J` : ""}${lines.join("\n")}\n`);
        drawn = lines.length;
      } else {
        const key = `${run.status} ${run.stage ?? ""} ${run.stages.length} ${run.approvals.pending?.decided.length ?? ""}`;
        if (key !== lastKey) {
          const stage = run.stages.at(-1);
          options.write(
            `${new Date().toISOString()} ${run.status}${stage ? ` ${stage.name} ${stage.state}${stage.note ? `: ${stage.note}` : ""}` : ""}\n`,
          );
          lastKey = key;
        }
      }
    }
    // A halted run waiting for an operator's decision ends the following, with its own exit code. Any other end
    // state shows before the run has told everyone and kept its record: follow until it has finished.
    if (run && (run.finished || (run.status === "halted" && run.approvals.pending !== undefined))) {
      if (!options.quiet && !options.tty) options.write(`${renderRun(run, new Date()).join("\n")}\n`);
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
