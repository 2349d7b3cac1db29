import { createSampler, SAMPLER_NAMES, type Sampler, type SamplerName } from './sampler.js';

/** OpenTelemetry export settings, from the standard `OTEL_*` variables (docs/observability.md). */
export interface OtelConfig {
  /** Where spans are POSTed (OTLP/HTTP JSON). */
  readonly tracesUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `OTEL_SERVICE_NAME`; undefined: the process's role name (`relaybox-gateway`, `relaybox-worker`). */
  readonly serviceName: string | undefined;
  /** `OTEL_RESOURCE_ATTRIBUTES`, below the process's own `service.*` attributes. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`; default `parentbased_always_on`. */
  readonly sampler: Sampler;
}

export class OtelConfigError extends Error {
  override readonly name = 'OtelConfigError';
  readonly code = 'invalid_otel_config';
}

type Env = Readonly<Record<string, string | undefined>>;

/** At most this many `key=value` pairs in a header or resource-attribute list (a bound on input). */
export const OTEL_MAX_LIST_ENTRIES = 64;

/**
 * Reads `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (with
 * `/v1/traces` appended), `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS`,
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`, `OTEL_TRACES_SAMPLER` with
 * `OTEL_TRACES_SAMPLER_ARG`, and
 * `OTEL_EXPORTER_OTLP_PROTOCOL` (only `http/json` is spoken). Undefined when no endpoint is set:
 * export is off and costs nothing. Throws `OtelConfigError` on a malformed value.
 */
export function parseOtelConfig(env: Env): OtelConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const tracesUrl = tracesEndpoint(env);
  if (tracesUrl === undefined) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || '').trim();
  if (protocol !== '' && protocol !== 'http/json') {
    throw new OtelConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported: RelayBox exports OTLP/HTTP JSON (set it to http/json or leave it unset; an OpenTelemetry Collector accepts JSON on its HTTP port 4318)`,
    );
  }
  return Object.freeze({
    tracesUrl,
    headers: Object.freeze({
      ...keyValueList('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
      ...keyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    }),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
    resourceAttributes: Object.freeze(keyValueList('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES)),
    sampler: samplerOf(env),
  });
}

function samplerOf(env: Env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on') as SamplerName;
  if (!SAMPLER_NAMES.includes(name)) {
    throw new OtelConfigError(
      `OTEL_TRACES_SAMPLER "${env.OTEL_TRACES_SAMPLER}" is not supported: use one of ${SAMPLER_NAMES.join(', ')}`,
    );
  }
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!name.endsWith('traceidratio') || !arg) return createSampler(name, 1);
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new OtelConfigError(`OTEL_TRACES_SAMPLER_ARG "${arg}" must be a ratio from 0 to 1 (e.g. 0.1)`);
  }
  return createSampler(name, ratio);
}

function tracesEndpoint(env: Env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', `${base.replace(/\/+$/, '')}/v1/traces`);
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OtelConfigError(`${name} "${value}" is not a URL (expected http(s)://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OtelConfigError(`${name} must be an http:// or https:// URL, got ${url.protocol}`);
  return url.toString();
}

/** The W3C Baggage-like `key=value,key=value` lists of the OTel spec (values percent-decoded). */
export function keyValueList(name: string, raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw?.trim()) return out;
  const entries = raw.split(',');
  if (entries.length > OTEL_MAX_LIST_ENTRIES)
    throw new OtelConfigError(`${name} has more than ${OTEL_MAX_LIST_ENTRIES} entries`);
  for (const [index, entry] of entries.entries()) {
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    // The entry itself is not quoted: header values are often credentials.
    if (at <= 0 || key === '') throw new OtelConfigError(`${name}: entry ${index + 1} is not key=value`);
    try {
      out[key] = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      throw new OtelConfigError(`${name}: the value of "${key}" is not valid percent-encoding`);
    }
  }
  return out;
}
