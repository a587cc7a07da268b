/** Time and cost estimates for a collection, before it spends anything. */
export {
  type CollectionPlan,
  InvalidPlanInputError,
  PLAN_SOURCES,
  type PlanInput,
  type PlanSource,
  type Scenario,
  planAllSources,
  planCollection,
} from './plan.ts';
export { formatCount, formatDuration, formatUsd, planTableRows } from './format.ts';
