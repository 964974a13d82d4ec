import {
  AggregationTemporality,
  MetricReader,
} from '@opentelemetry/sdk-metrics';

/** Reads the SDK's metrics only when asked (`collect()`), cumulative, and sends them nowhere. */
export class OnDemandMetricReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
    });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}
