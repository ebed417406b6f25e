import { unzipSync } from "fflate";
import { hexId } from "../core/hash.js";
import { runScript } from "../shell/run.js";
import type { Program, ShellHost } from "../shell/types.js";

/** AKS caps a command's output at 512 kB. */
const MAX_LOG_BYTES = 512 * 1024;

export interface CommandRecord {
  id: string;
  command: string;
  files: string[];
  clusterToken: boolean;
  submittedAt: number;
  startedAt: number;
  finishedAt?: number;
  exitCode?: number;
  logs: string;
  /** Set when the command pod died: the result is `Failed` with this reason. */
  failure?: string;
}

export interface CommandResultView {
  id: string;
  provisioningState: "Running" | "Succeeded" | "Failed";
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  logs?: string;
  reason?: string;
}

export type ContextResult = { ok: true; files: Map<string, string> } | { ok: false; reason: string };

/** Unpacks Run Command's `context`: a base64 zip whose files land in the command's working directory. */
export function unpackContext(context: string | undefined): ContextResult {
  const files = new Map<string, string>();
  if (!context) return { ok: true, files };
  if (!/^[A-Za-z0-9+/=\s]*$/.test(context)) return { ok: false, reason: "The context is not valid base64." };
  try {
    const entries = unzipSync(new Uint8Array(Buffer.from(context, "base64")));
    for (const [name, bytes] of Object.entries(entries)) {
      if (!name.endsWith("/")) files.set(name.replace(/^\.\//, ""), Buffer.from(bytes).toString("utf8"));
    }
    return { ok: true, files };
  } catch (error) {
    return { ok: false, reason: `The context is not a valid zip archive: ${(error as Error).message}` };
  }
}

/** The commands AKS ran, each a script executed against the simulated cluster in simulated time. */
export class RunCommands {
  private readonly records = new Map<string, CommandRecord>();
  private sequence = 0;

  constructor(
    private readonly programs: Record<string, Program>,
    private readonly hostFor: (record: CommandRecord) => ShellHost,
  ) {}

  submit(
    command: string,
    files: Map<string, string>,
    clusterToken: boolean,
    now: number,
    startDelayMs: number,
    minDurationMs: number,
  ): CommandRecord {
    const id = hexId(`command/${now}/${++this.sequence}/${command}`);
    const record: CommandRecord = {
      id,
      command,
      files: [...files.keys()].sort(),
      clusterToken,
      submittedAt: now,
      startedAt: now + startDelayMs,
      logs: "",
    };
    this.records.set(id, record);
    const host = this.hostFor(record);
    host.schedule(record.startedAt, (start) => {
      runScript(
        command,
        "",
        { files, env: new Map([["HOME", "/root"]]), errexit: false },
        host,
        this.programs,
        (exit) => {
          const end = Math.max(host.now(), start + minDurationMs);
          const output = exit.stdout + exit.stderr;
          record.logs =
            Buffer.byteLength(output) > MAX_LOG_BYTES
              ? Buffer.from(output).subarray(0, MAX_LOG_BYTES).toString("utf8")
              : output;
          record.exitCode = exit.code;
          record.finishedAt = end;
          if (exit.fatal !== undefined) record.failure = exit.fatal;
        },
      );
    });
    return record;
  }

  get(id: string): CommandRecord | undefined {
    return this.records.get(id);
  }

  all(): CommandRecord[] {
    return [...this.records.values()];
  }

  view(record: CommandRecord, now: number): CommandResultView {
    const finished = record.finishedAt !== undefined && record.finishedAt <= now;
    const started = record.startedAt <= now;
    if (!finished) {
      return {
        id: record.id,
        provisioningState: "Running",
        ...(started ? { startedAt: new Date(record.startedAt).toISOString() } : {}),
      };
    }
    return {
      id: record.id,
      provisioningState: record.failure !== undefined ? "Failed" : "Succeeded",
      ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
      startedAt: new Date(record.startedAt).toISOString(),
      finishedAt: new Date(record.finishedAt ?? now).toISOString(),
      logs: record.logs,
      reason: record.failure ?? "",
    };
  }
}
