import type { Timings } from "../model/timings.js";
import type { HelmBackend } from "../helm/backend.js";
import type { KubeApi } from "../kube/api.js";
import type { QueueRow } from "../model/queues.js";

export interface Exit {
  code: number;
  stdout: string;
  stderr: string;
  /** The Run Command pod itself died (not just the program): the script stops and the result is Failed. */
  fatal?: string;
}

/** What a Run Command script can reach: the cluster (as `helm`/`kubectl` see it) and simulated time. */
export interface ShellHost {
  now(): number;
  schedule(at: number, fn: (at: number) => void): () => void;
  /** Scaled timings. */
  timings: Timings;
  scale: number;
  /** Whether the command's cluster token lets kubectl and helm talk to the API server. */
  authorized: boolean;
  helm: HelmBackend;
  kube: KubeApi;
  queues(): QueueRow[];
  kubernetesVersion: string;
  /** OCI chart references (`oci://host/path/cluedin-platform`) the scenario declares as reachable mirrors. */
  chartMirrors: readonly string[];
  commandId: string;
}

export interface ProgramContext {
  stdin: string;
  files: Map<string, string>;
  env: Map<string, string>;
  host: ShellHost;
  /** Runs a nested script (`sh -c`, `sh file`). */
  runScript(text: string, stdin: string, done: (exit: Exit) => void): void;
}

export type Program = (args: string[], ctx: ProgramContext, done: (exit: Exit) => void) => void;

export const ok = (stdout = ""): Exit => ({ code: 0, stdout, stderr: "" });
export const fail = (code: number, stderr: string, stdout = ""): Exit => ({ code, stdout, stderr });
