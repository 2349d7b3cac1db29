import { describe, expect, it } from 'vitest';
import { StackPlan } from './docker/stack-plan.js';
import { OrchestratorError } from './engine.js';
import { readStackDefinition, SERVICE_ROLES } from './stack-definition.js';
import { interpolate } from './stack-interpolation.js';

const vars = { RELAYBOX_DEV_API_KEY: 'dev.default:0123456789abcdefghijklmnopqrstuv' };

function plan(network: 'bridge' | 'host', port = 9000) {
  return new StackPlan(readStackDefinition(), {
    stack: 'relaybox',
    port,
    network,
    devApiKey: vars.RELAYBOX_DEV_API_KEY,
    adminToken: 'admin',
    cursorSecret: 'x'.repeat(32),
    gateways: 2,
    variables: {},
  });
}

describe('compose/compose.yaml and the orchestrator', () => {
  it('agree on the services: each service has a known role and each role has a service', () => {
    const definition = readStackDefinition();
    const roles = definition.serviceNames().map((name) => definition.role(name));
    expect([...roles].sort()).toEqual([...SERVICE_ROLES].sort());
  });

  it('rejects a service the orchestrator does not know how to run', () => {
    const extra = () => readStackDefinition({ overrides: { services: { mailer: { image: 'mailer:1' } } } });
    expect(extra).toThrow(OrchestratorError);
    expect(extra).toThrow(
      /service "mailer" .* x-relaybox.role "undefined"; expected one of redis, rabbitmq, gateway, worker, proxy/,
    );
  });

  it('gives every service a health check, the stack labels and declared volumes', () => {
    const definition = readStackDefinition();
    const declared = definition.volumes(vars).map((v) => v.name);
    for (const name of definition.serviceNames()) {
      const service = definition.service(name, vars);
      expect(service.healthcheck?.test.length, name).toBeGreaterThan(1);
      expect(service.labels).toMatchObject({
        'dev.relaybox.stack': 'relaybox',
        'dev.relaybox.service': name,
      });
      for (const mount of service.mounts.filter((m) => m.type === 'volume'))
        expect(declared).toContain(mount.source);
    }
  });

  it('starts dependencies first: stores, then gateways and workers, then the proxy', () => {
    const definition = readStackDefinition();
    const order = definition.startOrder().map((name) => definition.role(name));
    expect(order.indexOf('redis')).toBeLessThan(order.indexOf('gateway'));
    expect(order.indexOf('rabbitmq')).toBeLessThan(order.indexOf('worker'));
    expect(order.indexOf('gateway')).toBeLessThan(order.indexOf('proxy'));
  });

  it('lists the variables it refers to (what compose takes from the shell)', () => {
    expect(readStackDefinition().variableNames).toEqual(
      expect.arrayContaining(['NODE_IMAGE', 'REDIS_IMAGE', 'RABBITMQ_IMAGE', 'NGINX_IMAGE', 'RELAYBOX_PORT']),
    );
  });

  it('names what is missing when a stack folder has no compose.yaml', () => {
    const missing = () => readStackDefinition({ dir: '/nonexistent/relaybox/dist/stack' });
    expect(missing).toThrow(OrchestratorError);
    expect(missing).toThrow(
      /cannot read the stack definition \/nonexistent\/relaybox\/dist\/stack\/compose\.yaml: .*stack\/ folder the relaybox package carries/,
    );
  });

  it('needs a dev API key shared by the stack', () => {
    expect(() => readStackDefinition().service('gateway', {})).toThrow(/RELAYBOX_DEV_API_KEY is required/);
  });
});

describe('StackPlan', () => {
  it('on a bridge network uses the service names and default ports', () => {
    const p = plan('bridge');
    const [one, two] = p.instances('gateway');
    expect([one?.name, two?.name]).toEqual(['gateway-1', 'gateway-2']);
    expect(one?.definition.environment.RELAYBOX_REDIS_URL).toBe('redis://redis:6379');
    expect(one?.definition.environment.RELAYBOX_PORT).toBe('9001');
    expect(p.instance('nginx', undefined).definition.environment.RELAYBOX_UPSTREAMS).toBe('gateway:9001');
    expect(p.hostPorts(2)).toEqual([{ port: 9000, what: 'nginx' }]);
  });

  it('under host networking derives every port from the origin port', () => {
    const p = plan('host', 19000);
    const gateways = p.instances('gateway', 3);
    expect(gateways.map((g) => g.definition.environment.RELAYBOX_PORT)).toEqual(['19101', '19102', '19103']);
    expect(gateways[0]?.definition.environment.RELAYBOX_NODE_ID).toBe('gateway-1');
    expect(gateways[0]?.definition.environment.RELAYBOX_AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:19020');
    expect(p.instance('redis', undefined).definition.command).toContain('19010');
    expect(p.instance('rabbitmq', undefined).definition.environment).toMatchObject({
      RABBITMQ_NODE_PORT: '19020',
      RABBITMQ_DIST_PORT: '19021',
      ERL_EPMD_PORT: '19022',
    });
    expect(p.instance('nginx', undefined).definition.environment.RELAYBOX_UPSTREAMS).toBe(
      '127.0.0.1:19101 127.0.0.1:19102',
    );
    const ports = p.hostPorts(2).map((entry) => entry.port);
    expect(ports.sort()).toEqual([19000, 19010, 19020, 19021, 19022, 19023, 19024, 19101, 19102]);
  });
});

describe('interpolate', () => {
  // Compose's `${VAR}` syntax in plain strings is the point here.
  const $ = (text: string) => text.replaceAll('%{', '${');
  it('follows compose substitution', () => {
    expect(interpolate($('%{A:-x}/%{B-y}/%{C}/$$D/$E'), { A: '', B: '', E: 'e' })).toBe('x///$D/e');
    expect(interpolate($('%{A:-x}'), { A: 'a' })).toBe('a');
    expect(() => interpolate($('%{A:?set A}'), {})).toThrow(/A is required: set A/);
  });
});
