import { DockerEngine } from '@relaybox/orchestrator';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { createDockerEngine } from './engines.js';

describe('createDockerEngine', () => {
  it('names the stack after RELAYBOX_STACK, as compose names a project', () => {
    expect(createDockerEngine({ RELAYBOX_STACK: 'shop-dev_2' })).toBeInstanceOf(DockerEngine);
    expect(createDockerEngine({})).toBeInstanceOf(DockerEngine);
  });

  it.each(['Shop', 'a b', '-x', 'x'.repeat(64), 'ü'])(
    'refuses RELAYBOX_STACK=%j as bad usage (exit 2)',
    (stack) => {
      const create = () => createDockerEngine({ RELAYBOX_STACK: stack });
      expect(create).toThrow(CliError);
      expect(create).toThrow(/RELAYBOX_STACK must be lowercase letters, digits/);
      try {
        create();
      } catch (error) {
        expect((error as CliError).exitCode).toBe(2);
      }
    },
  );

  it('refuses an unknown RELAYBOX_DOCKER_NETWORK', () => {
    expect(() => createDockerEngine({ RELAYBOX_DOCKER_NETWORK: 'overlay' })).toThrow(/host or bridge/);
  });
});
