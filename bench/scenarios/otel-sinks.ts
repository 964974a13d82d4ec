import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Drops what it is given: the cost measured is the engine's and the SDK's, not an export's. */
export class DroppingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
