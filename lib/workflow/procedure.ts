/**
 * A release's procedure steps (catalog `procedure.beforeHelm` / `afterHelm`: 2024.12.02 deletes the node-exporter
 * DaemonSet and the Prometheus CRDs, then re-applies the CRDs server-side), run as one Run Command: one start, one
 * wait, however long the list. Each step is preceded by a marker line and the steps are chained with `&&`, so the
 * first failure stops the rest and the output tells which step ran, which failed, and what each printed.
 */
import type { ProcedureStep } from "../catalog/catalog.js";
import type { CommandPoll } from "../clients/types.js";
import { toDisplayLine } from "../clients/shell.js";

export const PROCEDURE_PHASES = ["beforeHelm", "afterHelm"] as const;
export type ProcedurePhase = (typeof PROCEDURE_PHASES)[number];

/** A step as the plan shows it and the run executes it. */
export interface PlannedStep {
  id: string;
  description: string;
  command: string;
}

export type StepOutcome = "done" | "failed" | "not-run";

export interface StepResult {
  id: string;
  command: string;
  outcome: StepOutcome;
  exitCode?: number;
  /** When the step's command ended, as far as the run can tell: steps share one command, so the batch's end. */
  endedAt?: string;
  /** The end of what the step printed (redacted with the command's output). */
  output: string;
}

const MARKER = ">>> cluedin-upgrade step";
const MAX_STEP_OUTPUT = 400;

/**
 * The step's kubectl argument vector for this cluster: the pages write `-n cluedin`, the profile may name another
 * namespace; a delete marked `ignoreNotFound` passes kubectl's own `--ignore-not-found` ("treat resource not found
 * as a successful delete"), so a re-run after a partial attempt finds its work done.
 */
export function procedureStepArgs(step: ProcedureStep, namespace: string): string[] {
  if (step.argv[0] !== "kubectl") throw new Error(`procedure step ${step.id} does not run kubectl`);
  if (step.argv.some((arg) => /\p{Cc}/u.test(arg)))
    throw new Error(`procedure step ${step.id} holds control characters`);
  const argv = step.argv.map((arg, i) => {
    const flag = step.argv[i - 1];
    return flag === "-n" || flag === "--namespace" ? namespace : arg;
  });
  const deletes = argv[1] === "delete";
  return step.ignoreNotFound && deletes && !argv.includes("--ignore-not-found")
    ? [...argv, "--ignore-not-found"]
    : argv;
}

export const plannedSteps = (steps: readonly ProcedureStep[], namespace: string): PlannedStep[] =>
  steps.map((step) => ({
    id: step.id,
    description: step.description,
    command: toDisplayLine(procedureStepArgs(step, namespace)),
  }));

/** The commands Run Command chains: a marker before each step, then the step. */
export function procedureCommands(steps: readonly ProcedureStep[], namespace: string): string[][] {
  return steps.flatMap((step) => [["echo", `${MARKER} ${step.id}`], procedureStepArgs(step, namespace)]);
}

/**
 * Each step's result from the command's end: a step whose marker was printed ran; every step before the last marker
 * succeeded (the chain went on); the last one failed unless the whole command succeeded. A cut log loses early
 * markers, not that logic: a later marker means every earlier step succeeded.
 */
export function procedureResults(
  steps: readonly PlannedStep[],
  done: Extract<CommandPoll, { state: "done" }>,
): StepResult[] {
  const outputs = new Map<string, string[]>();
  let current: string | undefined;
  let lastIndex = -1;
  for (const line of done.logs.split(/\r?\n/)) {
    const id = line.startsWith(`${MARKER} `) ? line.slice(MARKER.length + 1).trim() : undefined;
    const index = id === undefined ? -1 : steps.findIndex((s) => s.id === id);
    if (id !== undefined && index >= 0) {
      current = id;
      lastIndex = Math.max(lastIndex, index);
      outputs.set(id, []);
    } else if (current !== undefined && line.trim() !== "") outputs.get(current)?.push(line);
  }
  const succeeded = done.exitCode === 0 && lastIndex === steps.length - 1;
  // No marker at all and a failure: the command did not get as far as the first step.
  const failedAt = succeeded ? -1 : Math.max(lastIndex, 0);
  return steps.map((step, i): StepResult => {
    const ran = succeeded || i <= failedAt;
    const failed = !succeeded && i === failedAt;
    const printed = outputs.get(step.id);
    const output = printed ? printed.join("\n").slice(-MAX_STEP_OUTPUT) : ran ? "(output not kept)" : "";
    return {
      id: step.id,
      command: step.command,
      outcome: !ran ? "not-run" : failed ? "failed" : "done",
      ...(ran ? { exitCode: failed ? done.exitCode : 0, endedAt: done.finishedAt } : {}),
      output: !printed && failed && lastIndex < 0 ? done.logs.slice(-MAX_STEP_OUTPUT) : output,
    };
  });
}

/** One line for the run's events and its end reason. */
export function describeProcedure(phase: ProcedurePhase, results: readonly StepResult[]): string {
  const done = results.filter((r) => r.outcome === "done").map((r) => r.id);
  const failed = results.find((r) => r.outcome === "failed");
  const when = phase === "beforeHelm" ? "before the Helm upgrade" : "after the Helm upgrade";
  if (!failed) return `${done.length} step(s) ${when} done`;
  const output = failed.output.split("\n").at(-1) ?? "";
  return `step ${failed.id} ${when} failed (exit code ${failed.exitCode ?? "?"}${output ? `: ${output}` : ""}); ${
    done.length ? `steps that ran: ${done.join(", ")}` : "no step had run before it"
  }`;
}
