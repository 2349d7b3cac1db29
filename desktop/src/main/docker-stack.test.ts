import { describe, expect, it } from 'vitest';
import { createDockerLauncher } from './docker-stack.js';
import { StackProcessError } from './stack-process.js';

describe('createDockerLauncher', () => {
  const launch = (stackDir: string, env: Record<string, string> = {}) =>
    createDockerLauncher({ stackDir, dataDir: '/nonexistent', port: 9000, env })(
      new AbortController().signal,
    );

  it('names the missing carried stack and how to build it', async () => {
    const error = await launch('/nonexistent/cli/stack').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackProcessError);
    expect((error as Error).message).toBe(
      "the docker engine's stack is missing at /nonexistent/cli/stack (from a checkout: pnpm --filter @relaybox/desktop build:cli)",
    );
  });

  it('rejects a bad network or stack name before touching Docker', async () => {
    const stackDir = new URL('../../../compose/', import.meta.url).pathname;
    await expect(launch(stackDir, { RELAYBOX_DOCKER_NETWORK: 'overlay' })).rejects.toThrow(
      'RELAYBOX_DOCKER_NETWORK must be host or bridge, got "overlay"',
    );
    await expect(launch(stackDir, { RELAYBOX_STACK: 'Bad Name' })).rejects.toThrow(/RELAYBOX_STACK must be/);
  });
});
