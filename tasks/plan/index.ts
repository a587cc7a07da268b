/** Time and cost estimates for a collection, before it spends anything. */
export {
  type CatalogOverrides,
  type CollectionPlan,
  InvalidPlanInputError,
  PLAN_SOURCES,
  type PlanInput,
  type PlanSource,
  type ProviderSource,
  type Scenario,
  planAllSources,
  planCollection,
  SYNTHETIC_SAMPLES_PER_CPU_SECOND,
} from './plan.ts';
export { formatCount, formatDays, formatDuration, formatUsd, PLAN_COLUMNS, planTableRows } from './format.ts';
export { parsePlanConfig, PlanConfigError, type PlanConfig } from './config.ts';
