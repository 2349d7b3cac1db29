import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ConsoleConnection,
  IPC_ARGUMENT_CHECKS,
  IPC_CHANNELS,
  type IpcChannel,
  IpcError,
  type IpcHandlers,
  type RelayboxBridge,
  unwrapIpcResult,
} from './ipc.js';

// Only its type matters: the calls below are never run.
const bridge = {
  invoke: () => Promise.reject(new Error('not called')),
} as unknown as RelayboxBridge;

describe('IPC channel map', () => {
  it('types every channel: arguments and results are checked by tsc', () => {
    expectTypeOf<IpcChannel>().toEqualTypeOf<
      'console:connection' | 'app:info' | 'settings:get' | 'settings:set-engine'
    >();
    expectTypeOf(bridge.invoke<'console:connection'>).returns.resolves.toEqualTypeOf<ConsoleConnection>();
    expectTypeOf(bridge.invoke<'settings:set-engine'>)
      .parameter(1)
      .toEqualTypeOf<'auto' | 'embedded' | 'native' | 'docker'>();

    // These lines are compiled by tsc (CI runs it on every test) and must stay errors.
    const never = (fn: () => unknown) => fn;
    // @ts-expect-error: not a channel of the map
    never(() => bridge.invoke('shell:exec', 'rm -rf /'));
    // @ts-expect-error: console:connection takes no argument
    never(() => bridge.invoke('console:connection', 'extra'));
    // @ts-expect-error: not an engine
    never(() => bridge.invoke('settings:set-engine', 'kubernetes'));
    // @ts-expect-error: argument missing
    never(() => bridge.invoke('settings:set-engine'));
    never(async () => {
      const connection = await bridge.invoke('console:connection');
      // @ts-expect-error: the result is ConsoleConnection, which has no `token`
      return connection.token;
    });
    // @ts-expect-error: a handler map must implement every channel
    const partial: IpcHandlers = {
      'app:info': () => ({ version: '1', platform: 'linux', engine: 'embedded', engineReason: 'chosen' }),
    };
    expect(partial).toBeDefined();
  });

  it('lists every channel at runtime with an argument check each', () => {
    expect([...IPC_CHANNELS].sort()).toEqual(Object.keys(IPC_ARGUMENT_CHECKS).sort());
    expect(IPC_ARGUMENT_CHECKS['settings:set-engine'](['docker'])).toBe(true);
    expect(IPC_ARGUMENT_CHECKS['settings:set-engine'](['auto'])).toBe(true);
    expect(IPC_ARGUMENT_CHECKS['settings:set-engine'](['podman'])).toBe(false);
    expect(IPC_ARGUMENT_CHECKS['console:connection'](['x'])).toBe(false);
  });

  it('rethrows failed results as typed IpcError, also after crossing contextBridge', () => {
    expect(unwrapIpcResult({ ok: true, value: 3 })).toBe(3);
    const failed = () =>
      unwrapIpcResult({ ok: false, error: { code: 'stack_not_running', message: 'no stack' } });
    expect(failed).toThrow(IpcError);
    try {
      failed();
    } catch (error) {
      expect(error).toMatchObject({ code: 'stack_not_running', detail: 'no stack' });
      // contextBridge keeps only the message of a rejected error.
      const crossed = IpcError.from(new Error((error as Error).message));
      expect(crossed).toMatchObject({ code: 'stack_not_running', detail: 'no stack' });
    }
    expect(() => unwrapIpcResult(undefined as never)).toThrow(/malformed/);
  });
});
