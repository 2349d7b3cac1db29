export * from './otel-config.js';
export * from './otlp-http-exporter.js';
export * from './otlp-json.js';
export * from './sampler.js';
export * from './span.js';
export * from './trace-context.js';
