import { describe, expect, it } from 'vitest';
import { sharedLease } from './shared-lease.js';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

function recorder() {
  const calls: string[] = [];
  const lease = sharedLease(
    () => calls.push('acquire'),
    () => calls.push('release'),
  );
  return { calls, lease };
}

describe('sharedLease', () => {
  it('acquires for the first holder and releases one task after the last one left', async () => {
    const { calls, lease } = recorder();
    const dropA = lease.hold();
    const dropB = lease.hold();
    expect(calls).toEqual(['acquire']);
    dropA();
    dropB();
    expect(calls).toEqual(['acquire']);
    await nextTask();
    expect(calls).toEqual(['acquire', 'release']);
  });

  it('a holder arriving within the same task (StrictMode remount) cancels the release', async () => {
    const { calls, lease } = recorder();
    lease.hold()();
    const drop = lease.hold();
    await nextTask();
    expect(calls).toEqual(['acquire']);
    drop();
    await nextTask();
    expect(calls).toEqual(['acquire', 'release']);
  });

  it('dropping twice counts once, and acquires again after a release', async () => {
    const { calls, lease } = recorder();
    const dropA = lease.hold();
    const dropB = lease.hold();
    dropA();
    dropA();
    await nextTask();
    expect(calls).toEqual(['acquire']);
    dropB();
    await nextTask();
    lease.hold();
    expect(calls).toEqual(['acquire', 'release', 'acquire']);
  });
});
