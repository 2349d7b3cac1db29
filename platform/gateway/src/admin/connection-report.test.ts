import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import { type ConnectionReport, type ReportCommand, ReportRequests } from './connection-report.js';

const REPORT: ConnectionReport = {
  frames: { node: 'gw-b', since: 1, capacity: 50, in: [], out: [] },
  states: { 'chat:a': { messages: 'on', presence: 'none' } },
};

/** Questions land in `asked`; the test answers (or not) as the owning gateway would. */
function requests(options: { timeoutMs?: number; maxPending?: number } = {}) {
  const asked: ReportCommand[] = [];
  const reports = new ReportRequests(
    'gw-a',
    async (command) => {
      asked.push(command);
    },
    options,
  );
  return { reports, asked };
}

describe('ReportRequests', () => {
  it('settles a question with the reply addressed to it', async () => {
    const { reports, asked } = requests();
    const answer = reports.ask('gw-b', 'conn-1');
    await Promise.resolve();
    expect(asked).toEqual([
      {
        type: 'report',
        nodeId: 'gw-b',
        connectionId: 'conn-1',
        requestId: expect.any(String),
        replyTo: 'gw-a',
      },
    ]);
    reports.onReply({ type: 'reported', nodeId: 'gw-a', from: 'gw-b', requestId: 'other', report: null });
    reports.onReply({
      type: 'reported',
      nodeId: 'gw-a',
      from: 'gw-b',
      requestId: asked[0]!.requestId,
      report: REPORT,
    });
    expect(await answer).toEqual({ report: REPORT });
    expect(reports.size).toBe(0);
  });

  it('answers not_found when the owner no longer holds the connection', async () => {
    const { reports, asked } = requests();
    const answer = reports.ask('gw-b', 'conn-1');
    await Promise.resolve();
    reports.onReply({
      type: 'reported',
      nodeId: 'gw-a',
      from: 'gw-b',
      requestId: asked[0]!.requestId,
      report: null,
    });
    expect(await answer).toEqual({
      error: { code: ErrorCode.NotFound, message: expect.stringContaining('gw-b') },
    });
  });

  it('settles with timeout when nobody answers, and ignores a late reply', async () => {
    const { reports, asked } = requests({ timeoutMs: 20 });
    const result = await reports.ask('gw-gone', 'conn-1');
    expect(result).toEqual({
      error: { code: ErrorCode.Timeout, message: expect.stringContaining('gw-gone') },
    });
    reports.onReply({
      type: 'reported',
      nodeId: 'gw-a',
      from: 'gw-gone',
      requestId: asked[0]!.requestId,
      report: REPORT,
    });
    expect(reports.size).toBe(0);
  });

  it('answers rate_limited past maxPending questions, at once', async () => {
    const { reports, asked } = requests({ maxPending: 2 });
    const first = reports.ask('gw-b', 'conn-1');
    const second = reports.ask('gw-b', 'conn-2');
    expect(await reports.ask('gw-b', 'conn-3')).toEqual({
      error: { code: ErrorCode.RateLimited, message: expect.any(String) },
    });
    await Promise.resolve();
    expect(asked.map((c) => c.connectionId)).toEqual(['conn-1', 'conn-2']);
    reports.stop();
    expect(await first).toMatchObject({ error: { code: ErrorCode.ServerShuttingDown } });
    expect(await second).toMatchObject({ error: { code: ErrorCode.ServerShuttingDown } });
  });

  it('reports the broker refusing the question', async () => {
    const reports = new ReportRequests('gw-a', async () => {
      throw new RelayBoxError(ErrorCode.BrokerUnavailable, 'broker down');
    });
    expect(await reports.ask('gw-b', 'conn-1')).toEqual({
      error: { code: ErrorCode.BrokerUnavailable, message: expect.stringContaining('broker down') },
    });
    expect(reports.size).toBe(0);
  });
});
