export {
  buildPlan,
  MAX_PLAN_BYTES,
  planSummary,
  type CurrentRelease,
  type Plan,
  type PlanHop,
  type PlanInput,
  type PlanSummary,
} from "./plan.js";
export type { PlanCommands, PlanStep } from "./commands.js";
