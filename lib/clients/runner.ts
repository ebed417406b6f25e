/**
 * Runs helm/kubectl commands next to a cluster, started in one activity and polled from later ones. Two drivers:
 * AKS Run Command (the default: works for private clusters, needs no local binary) and the local CLI (cli-runner.ts).
 */
import type { AksClient } from "./aks.js";
import { assertCommandFileNames } from "./command-files.js";
import { toShellLine } from "./shell.js";
import type { CommandHandle, CommandPoll, HelmCommandFile } from "./types.js";

export interface CommandRunner {
  /** Starts `commands` in sequence (each an argument vector; stops at the first failure) with `files` beside them. */
  start(commands: string[][], files: HelmCommandFile[]): Promise<CommandHandle>;
  poll(handle: CommandHandle): Promise<CommandPoll>;
}

/** The shell line Run Command executes: every command, joined by `&&` (each names its chart source itself). */
export function runCommandLine(commands: string[][]): string {
  return toShellLine(commands);
}

export interface RunCommandRunnerOptions {
  aks: Pick<AksClient, "startRunCommand" | "pollRunCommand">;
  /** Send an AAD token for the API server (AAD clusters). */
  clusterToken: boolean;
}

export class RunCommandRunner implements CommandRunner {
  constructor(private readonly options: RunCommandRunnerOptions) {}

  async start(commands: string[][], files: HelmCommandFile[]): Promise<CommandHandle> {
    assertCommandFileNames(files);
    return await this.options.aks.startRunCommand(runCommandLine(commands), files, {
      clusterToken: this.options.clusterToken,
    });
  }

  poll(handle: CommandHandle): Promise<CommandPoll> {
    return this.options.aks.pollRunCommand(handle);
  }
}
