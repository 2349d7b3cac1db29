import { type OtelConfig, type OtlpExporterStats, OtlpHttpExporter, type SpanSink } from '@relaybox/core';
import type { Logger } from '../logger.js';

export interface OtelExport {
  sink: SpanSink;
  stats: () => OtlpExporterStats;
  /** Sends what is queued; bounded by the exporter's request timeout. */
  shutdown(): Promise<void>;
}

/**
 * The OTLP exporter of one process, or undefined when no endpoint is configured (export off: the
 * emission points see `SPANS_OFF` and do nothing). Export failures are logged once per outage.
 */
export function createOtelExport(
  config: OtelConfig | undefined,
  identity: { role: 'gateway' | 'worker'; nodeId: string; instanceId: string },
  log: Logger,
): OtelExport | undefined {
  if (!config) return undefined;
  const exporter = new OtlpHttpExporter({
    url: config.tracesUrl,
    headers: config.headers,
    sampler: config.sampler,
    resource: {
      ...config.resourceAttributes,
      'service.name': config.serviceName ?? `relaybox-${identity.role}`,
      'service.namespace': config.resourceAttributes['service.namespace'] ?? 'relaybox',
      'service.instance.id': identity.instanceId,
      'relaybox.node_id': identity.nodeId,
      'relaybox.role': identity.role,
    },
    onStatus: (status) => {
      // The URL is logged without its query string: a collector URL rarely needs one, but may hold a key.
      const endpoint = config.tracesUrl.split('?')[0];
      if (status.ok)
        log.info('OpenTelemetry export recovered', { endpoint, failedRequests: status.afterFailures });
      else
        log.warn('OpenTelemetry export failing; spans are dropped until it recovers', {
          endpoint,
          error: status.error,
        });
    },
  });
  log.info('OpenTelemetry export on', {
    endpoint: config.tracesUrl.split('?')[0],
    sampler: config.sampler.name,
    ratio: config.sampler.ratio,
  });
  return { sink: exporter, stats: () => exporter.stats, shutdown: () => exporter.shutdown() };
}
