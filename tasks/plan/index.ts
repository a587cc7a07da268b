/** Time and cost estimates for a collection, before it spends anything. */
export {
  type CatalogOverrides,
  type CollectionPlan,
  InvalidPlanInputError,
  type PlanInput,
  type Scenario,
  planAllSources,
  planCollection,
  SYNTHETIC_SAMPLES_PER_CPU_SECOND,
} from './plan.ts';
export { formatDays, formatUsd } from './format.ts';
export { PLAN_COLUMNS, planTableRows } from './table.ts';
export { parsePlanConfig, PlanConfigError, type PlanConfig } from './config.ts';
