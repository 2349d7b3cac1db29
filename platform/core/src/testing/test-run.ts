import { randomBytes } from 'node:crypto';

/**
 * The id of this test run, shared by every test file of one `vitest` invocation (vitest.config.ts
 * sets `RELAYBOX_TEST_RUN` before the workers start). Names of shared broker objects carry it so
 * that two runs on one machine never touch each other's exchanges or connections, and a run's
 * teardown removes only its own.
 */
export function testRunId(): string {
  process.env.RELAYBOX_TEST_RUN ||= randomBytes(3).toString('hex');
  return process.env.RELAYBOX_TEST_RUN;
}

/** `<prefix>-<run>-<random>`: unique, and recognisably this run's. */
export function testName(prefix: string): string {
  return `${prefix}-${testRunId()}-${randomBytes(4).toString('hex')}`;
}

/** Whether a shared object's name was made by `testName` in this run. */
export function isThisRunsName(name: string): boolean {
  return name.includes(`-${testRunId()}-`);
}
