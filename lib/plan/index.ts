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
