// Numbers about the gateway: the overview (dashboard and `stats`) and Prometheus metrics. See README.md.

export { CONTENT_TYPE, LATENCY_BOUNDS, NO_LANE, RequestMetrics } from "./collector";
export { buildOverview, DEFAULT_PERIODS, errorRate, periodFor, trafficPeriod, type Overview, type OverviewInput, type PeriodSpec, type TrafficPeriod } from "./overview";
