/**
 * Whether every row of a run completed with nothing lost or duplicated: what `--quick` (and CI,
 * through bench-quick.int.test.ts) checks. It never looks at a latency or a CPU figure.
 */
import type { ScenarioName } from './cli-options.js';
import type { RowOutcome } from './report.js';
import type { IdleRow } from './scenarios/idle-scenario.js';
import type { TrafficRow } from './scenarios/traffic-result.js';
import type { ConnectionStormRow } from './storm/connection-storm.js';
import { type ResumeStormRow, resumeStormFailures } from './storm/resume-storm.js';

export type RunResults = Partial<Record<ScenarioName, RowOutcome<unknown>[]>>;

function rowProblems(scenario: ScenarioName, result: unknown, resumeCapMs: number): string[] {
  switch (scenario) {
    case 'chat':
    case 'broadcast':
    case 'hot':
    case 'tracing': {
      const r = result as TrafficRow;
      const out: string[] = [];
      if (r.lost !== 0) out.push(`${r.lost} of ${r.expectedDeliveries} deliveries lost`);
      if (r.outOfOrder > 0) out.push(`${r.outOfOrder} deliveries duplicated or out of order`);
      if (r.expectedDeliveries === 0) out.push('nothing was published in the window');
      return out;
    }
    case 'idle':
      return (result as IdleRow).levels
        .filter((l) => l.connected < l.target || l.failed > 0)
        .map((l) => `idle ${l.target}: ${l.connected} open, ${l.failed} failed`);
    case 'connect': {
      const r = result as ConnectionStormRow;
      return r.connected < r.clients
        ? [`${r.clients - r.connected} of ${r.clients} connections not accepted`]
        : [];
    }
    case 'resume':
      return resumeStormFailures(result as ResumeStormRow, resumeCapMs);
  }
}

/** One line per failed row or guarantee broken: `<scenario> <row>: <what>`. Empty when all is well. */
export function completionProblems(results: RunResults, resumeCapMs: number): string[] {
  const out: string[] = [];
  for (const [scenario, rows] of Object.entries(results) as [ScenarioName, RowOutcome<unknown>[]][]) {
    for (const row of rows) {
      const problems = row.result
        ? rowProblems(scenario, row.result, resumeCapMs)
        : [`ERROR ${row.error ?? 'no result'}`];
      for (const p of problems) out.push(`${scenario} ${row.label}: ${p}`);
    }
  }
  return out;
}
