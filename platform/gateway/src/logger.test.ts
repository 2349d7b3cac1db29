import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(level, { nodeId: 'gw-1' }, { write: (line) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes the shared JSON format: ISO time, level label, msg, service, fields', () => {
    const { log, lines } = capture('info');
    log.info('gateway listening', { port: 9001 });
    expect(lines).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        level: 'info',
        msg: 'gateway listening',
        service: 'gateway',
        nodeId: 'gw-1',
        port: 9001,
      },
    ]);
  });

  it('carries a child logger bindings (the connection id) on every line', () => {
    const { log, lines } = capture('info');
    log.child({ connectionId: 'c-1' }).warn('request failed', { error: 'boom' });
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: 'request failed',
      connectionId: 'c-1',
      error: 'boom',
    });
  });

  it('drops lines below its level; silent writes nothing', () => {
    const info = capture('info');
    info.log.debug('noise');
    expect(info.lines).toEqual([]);
    const silent = capture('silent');
    silent.log.error('nothing');
    expect(silent.lines).toEqual([]);
  });
});
