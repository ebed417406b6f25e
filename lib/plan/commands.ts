/**
 * The commands a plan shows its approvers: the Helm command of each phase and the release page's procedure steps,
 * rendered by lib/workflow/helm.ts and lib/workflow/procedure.ts exactly as the run executes them.
 */
export interface PlanStep {
  id: string;
  description: string;
  command: string;
}

export interface PlanCommands {
  /** Where helm fetches the chart, e.g. `chart repository https://cluedin-io.github.io/Charts/`. */
  chartSource: string;
  /** In run order; `<values file>` and `<run marker>` stand for the run's values file and `--description`. */
  helm: { phase: string; command: string }[];
  beforeHelm: PlanStep[];
  afterHelm: PlanStep[];
}
