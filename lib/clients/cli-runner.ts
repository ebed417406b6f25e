/**
 * The local CLI driver: runs `helm`/`kubectl` on this machine against the cluster, for operators working from a
 * workstation. Each run gets a directory under `stateDir` holding the command files and a kubeconfig (both 0600,
 * deleted when the run ends); a detached shell records output and exit code there, so any later poll, from
 * another activity invocation on the same machine, can read the result.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { assertCommandFileNames } from "./command-files.js";
import type { CommandRunner } from "./runner.js";
import { shellQuote, toShellLine } from "./shell.js";
import type { CommandHandle, CommandPoll, HelmCommandFile } from "./types.js";

const files = { kubeconfig: "kubeconfig.yaml", output: "output.log", exitCode: "exit-code", pid: "pid" } as const;
const runIdPattern = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;
/** The same cap AKS Run Command puts on output (REFERENCE §3). */
const maxLogBytes = 512 * 1024;

export interface CliBinaries {
  helm: string;
  kubectl: string;
}

/** `argv` with the local binary and `--kubeconfig` in front; only helm and kubectl may run. */
export function localArgv(argv: string[], binaries: CliBinaries, kubeconfigPath: string): string[] {
  const [program, ...rest] = argv;
  if (program !== "helm" && program !== "kubectl")
    throw new Error(`the CLI driver runs helm or kubectl, not ${program}`);
  return [binaries[program], "--kubeconfig", kubeconfigPath, ...rest];
}

/** The detached shell script: run the commands, delete the secrets, then publish the exit code atomically. */
export function cliScript(commands: string[][], secretFiles: string[]): string {
  return [
    `{ ${toShellLine(commands)} ; } > ${files.output} 2>&1`,
    "code=$?",
    `rm -f ${secretFiles.map(shellQuote).join(" ")}`,
    `printf '%s\\n' "$code" > ${files.exitCode}.tmp && mv ${files.exitCode}.tmp ${files.exitCode}`,
  ].join("\n");
}

function compactTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, "");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readLogTail(file: string): Promise<string> {
  const buffer = await readFile(file).catch(() => Buffer.alloc(0));
  return buffer.subarray(Math.max(0, buffer.length - maxLogBytes)).toString("utf8");
}

export interface CliRunnerOptions {
  /** The cluster to run against; its current credentials are written to each run's kubeconfig. */
  kubeConfig: KubeConfig;
  /** Where run directories live, e.g. `.local/runs`. */
  stateDir: string;
  binaries?: Partial<CliBinaries>;
  now?: () => number;
}

export class CliRunner implements CommandRunner {
  private readonly binaries: CliBinaries;
  private readonly now: () => number;

  constructor(private readonly options: CliRunnerOptions) {
    this.binaries = { helm: "helm", kubectl: "kubectl", ...options.binaries };
    this.now = options.now ?? Date.now;
  }

  async start(commands: string[][], commandFiles: HelmCommandFile[]): Promise<CommandHandle> {
    assertCommandFileNames(commandFiles);
    const startedMs = this.now();
    const runId = `${compactTimestamp(startedMs)}-${randomBytes(4).toString("hex")}`;
    const dir = path.resolve(this.options.stateDir, runId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const kubeconfigPath = path.join(dir, files.kubeconfig);
    for (const file of commandFiles) {
      await writeFile(path.join(dir, file.name), file.content, { mode: 0o600, flag: "wx" });
    }
    // Loads client-node on first use: lib/lazily.ts.
    const { materializeKubeconfig } = await import("./kubeconfig.js");
    await writeFile(kubeconfigPath, await materializeKubeconfig(this.options.kubeConfig), { mode: 0o600, flag: "wx" });
    const argv = commands.map((command) => localArgv(command, this.binaries, kubeconfigPath));
    const script = cliScript(argv, [files.kubeconfig, ...commandFiles.map((f) => f.name)]);
    const child = spawn("/bin/sh", ["-c", script], { cwd: dir, detached: true, stdio: "ignore" });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    await writeFile(path.join(dir, files.pid), String(child.pid));
    child.unref();
    return { driver: "cli", runId, startedAt: new Date(startedMs).toISOString() };
  }

  async poll(handle: CommandHandle): Promise<CommandPoll> {
    if (handle.driver !== "cli") throw new Error(`not a cli handle: ${handle.driver}`);
    if (!runIdPattern.test(handle.runId)) throw new Error(`invalid cli run id: ${handle.runId}`);
    const dir = path.resolve(this.options.stateDir, handle.runId);
    const exitCodeFile = path.join(dir, files.exitCode);
    const finished = async (): Promise<CommandPoll | undefined> => {
      const exitCode = await readOptional(exitCodeFile);
      if (exitCode === undefined) return undefined;
      return {
        state: "done",
        exitCode: Number.parseInt(exitCode, 10),
        logs: await readLogTail(path.join(dir, files.output)),
        finishedAt: (await stat(exitCodeFile)).mtime.toISOString(),
      };
    };
    const done = await finished();
    if (done) return done;
    const pid = await readOptional(path.join(dir, files.pid));
    if (pid === undefined) {
      if ((await readOptional(path.join(dir, files.kubeconfig))) === undefined) {
        throw new Error(`unknown cli run: ${handle.runId}`);
      }
      return { state: "running" };
    }
    if (isAlive(Number(pid))) return { state: "running" };
    // The shell may have published its exit code and ended between the two looks above.
    const justDone = await finished();
    if (justDone) return justDone;
    // The shell died without recording an exit code (killed, machine restarted): clear its secrets and report it.
    const keep = new Set<string>([files.output, files.pid]);
    for (const name of await readdir(dir)) {
      if (!keep.has(name)) await rm(path.join(dir, name), { force: true });
    }
    const logs = await readLogTail(path.join(dir, files.output));
    return {
      state: "done",
      exitCode: -1,
      logs: `${logs}\n[the command process ended without an exit code]`,
      finishedAt: new Date(this.now()).toISOString(),
    };
  }
}
