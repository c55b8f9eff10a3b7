// Numbers about the gateway: the overview (dashboard and `stats`) and Prometheus metrics. See README.md.

export { LATENCY_BOUNDS, laneFamilies, NO_LANE, RequestMetrics } from "./collector";
export { buildOverview, DEFAULT_PERIODS, errorRate, periodFor, trafficPeriod, type Overview, type OverviewInput, type PeriodSpec, type TrafficPeriod } from "./overview";
export { CONTENT_TYPE, escapeLabelValue, render, type Family, type Labels, type Sample } from "./prometheus";
