import { describe, expect, it } from 'vitest';
import { OTEL_MAX_LIST_ENTRIES, OtelConfigError, parseOtelConfig } from './otel-config.js';

describe('parseOtelConfig', () => {
  it('is off without an endpoint, or when the SDK is disabled', () => {
    expect(parseOtelConfig({})).toBeUndefined();
    expect(parseOtelConfig({ OTEL_SERVICE_NAME: 'x' })).toBeUndefined();
    expect(
      parseOtelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
  });

  it('appends /v1/traces to the base endpoint and takes the traces endpoint as is', () => {
    expect(parseOtelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.tracesUrl).toBe(
      'http://collector:4318/v1/traces',
    );
    const both = parseOtelConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
    });
    expect(both?.tracesUrl).toBe('https://traces.example/otlp');
  });

  it('reads headers, the service name and resource attributes', () => {
    const config = parseOtelConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D,team = rt',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'team=traces',
      OTEL_SERVICE_NAME: 'edge',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(config).toMatchObject({
      headers: { 'x-api-key': 'abc=', team: 'traces' },
      serviceName: 'edge',
      resourceAttributes: { 'deployment.environment': 'prod' },
    });
    expect(parseOtelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.serviceName).toBeUndefined();
  });

  it('refuses bad values with a clear error that does not echo header values', () => {
    const refuse = (env: Record<string, string>, message: RegExp) => {
      const error = (() => {
        try {
          parseOtelConfig(env);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(OtelConfigError);
      expect((error as OtelConfigError).code).toBe('invalid_otel_config');
      expect((error as Error).message).toMatch(message);
      return error as Error;
    };
    refuse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /http/);
    refuse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c' }, /http:\/\/ or https:\/\//);
    refuse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /http\/json/);
    const leaked = refuse(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_EXPORTER_OTLP_HEADERS: 'Bearer-secret-token-123' },
      /entry 1 is not key=value/,
    );
    expect(leaked.message).not.toContain('secret-token');
    refuse(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c',
        OTEL_RESOURCE_ATTRIBUTES: Array.from({ length: OTEL_MAX_LIST_ENTRIES + 1 }, (_, i) => `k${i}=v`).join(
          ',',
        ),
      },
      /more than 64 entries/,
    );
    refuse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_RESOURCE_ATTRIBUTES: 'a=%E0%A4%A' }, /percent/);
  });

  it('reads the sampler: default parent-based always on; a ratio for traceidratio; bad values refused', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(parseOtelConfig(base)!.sampler).toMatchObject({ name: 'parentbased_always_on', ratio: 1 });
    expect(
      parseOtelConfig({
        ...base,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      })!.sampler,
    ).toMatchObject({ name: 'parentbased_traceidratio', ratio: 0.25 });
    expect(parseOtelConfig({ ...base, OTEL_TRACES_SAMPLER: 'always_off' })!.sampler.ratio).toBe(0);
    expect(parseOtelConfig({ ...base, OTEL_TRACES_SAMPLER: 'traceidratio' })!.sampler.ratio).toBe(1);
    expect(() => parseOtelConfig({ ...base, OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(
      /OTEL_TRACES_SAMPLER "jaeger_remote" is not supported: use one of always_on/,
    );
    for (const arg of ['1.5', '-0.1', 'half'])
      expect(() =>
        parseOtelConfig({ ...base, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg }),
      ).toThrow(OtelConfigError);
  });
});
