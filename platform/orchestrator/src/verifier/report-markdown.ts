import { describeFault, type VerifyReport } from '@relaybox/protocol';

/** The report as Markdown (`relaybox verify --markdown`, the console's export): tables and trace links. */
export function reportToMarkdown(report: VerifyReport): string {
  const { request } = report;
  const lines = [
    `# RelayBox guarantee verifier: ${report.verdict === 'pass' ? 'PASS' : 'FAIL'}`,
    '',
    `Plan **${request.plan}** on the ${report.engine} engine (${report.gateways} gateway(s)): ` +
      `${request.clients} clients over ${request.rooms} rooms, ${request.ratePerRoom} msg/s per room for ` +
      `${request.durationMs / 1000} s, started ${new Date(report.startedAt).toISOString()}.`,
    '',
    '## Faults',
    '',
    ...(report.faults.length === 0
      ? ['None.']
      : report.faults.map(
          (f) =>
            `- \`${f.id}\` ${describeFault(f.spec)}: ${f.state}${f.endedAt ? ` after ${f.endedAt - f.startedAt} ms` : ''}${f.detail ? ` (${f.detail})` : ''}`,
        )),
    '',
    '## Rooms',
    '',
    '| room | published | acked | unacked | delivered/expected | lost | duplicated | out of order | reconnects | resumes | discontinuities | presence converged | p50 | p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.rooms.map(
      (r) =>
        `| ${r.room} | ${r.published} | ${r.acked} | ${r.unacked} | ${r.delivered}/${r.expected} | ${r.lost} | ${r.duplicated} | ${r.outOfOrder} | ${r.reconnects} | ${r.resumes} | ${r.discontinuities} | ${ms(r.presenceConvergedMs)} | ${ms(r.latencyP50Ms)} | ${ms(r.latencyP99Ms)} |`,
    ),
    '',
  ];
  if (report.lostMessages.length > 0) {
    lines.push(
      '## Lost messages',
      '',
      '| room | seq | message | missed by | trace |',
      '|---|---|---|---|---|',
    );
    for (const m of report.lostMessages)
      lines.push(
        `| ${m.room} | ${m.seq} | \`${m.messageId}\` | ${m.missedBy.length} client(s) | [trace](${m.traceUrl}) |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${value} ms`;
}
