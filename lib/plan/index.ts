export {
  buildPlan,
  MAX_PLAN_BYTES,
  planSummary,
  type CurrentRelease,
  type Plan,
  type PlanAdvisory,
  type PlanHop,
  type PlanInput,
  type PlanPackages,
  type PlanSummary,
} from "./plan.js";
export type { PlanCommands, PlanStep } from "./commands.js";
