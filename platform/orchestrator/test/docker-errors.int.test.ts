import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/docker/docker-engine.js';
import { OrchestratorError } from '../src/engine.js';
import { devApiKey, leftovers, TEST_IMAGES, tempDir, testEngine, uniqueStack } from './docker-helpers.js';

/**
 * Every failure of the docker engine ends with its own OrchestratorError, a message that says
 * what to do, and nothing left running. Ports 19030-19199 (the main stack test uses 19000-19024).
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function failure(promise: Promise<unknown>): Promise<OrchestratorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrchestratorError);
  return error as OrchestratorError;
}

describe('DockerEngine errors', () => {
  it('says how to start Docker when no engine is reachable', async () => {
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(tempDir(), 'docker.sock')}`;
    let engine: DockerEngine;
    try {
      engine = new DockerEngine({ stack: uniqueStack() });
    } finally {
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
    }
    const error = await failure(engine.up({ port: 19030 }));
    expect(error.code).toBe('docker_unavailable');
    expect(error.message).toMatch(/No Docker engine reachable at unix:\/\/.*docker\.sock \(ENOENT\)/);
    expect(error.message).toMatch(/sudo systemctl start docker/);
  });

  it('names the port that is taken before starting anything', async () => {
    const stack = uniqueStack();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(19060, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    const error = await failure(testEngine(stack).up({ port: 19060, devApiKey: devApiKey() }));
    expect(error.code).toBe('port_in_use');
    expect(error.message).toMatch(/port 19060 \(the stack origin \(nginx\)\) is already in use/);
    expect(error.message).toMatch(/--port/);
    expect(await leftovers(stack)).toEqual({ containers: 0, networks: 0, volumes: [] });
  });

  it('reports a failed image build with the failing step and its output', { timeout: 120_000 }, async () => {
    const stack = uniqueStack();
    const context = tempDir();
    writeFileSync(
      join(context, 'Dockerfile'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile syntax
      'ARG BASE\nFROM ${BASE}\nRUN echo "compiling the gateway" && echo "error: no such module" >&2 && exit 3\n',
    );
    const engine = testEngine(stack, {
      overrides: {
        services: {
          gateway: {
            image: `relaybox-test/broken-${stack}:1`,
            build: { context, dockerfile: 'Dockerfile', args: { BASE: 'relaybox-test/base:bookworm' } },
          },
        },
      },
    });
    cleanups.push(() => engine.down({ volumes: true }));
    const error = await failure(engine.up({ port: 19090, devApiKey: devApiKey() }));
    expect(error.code).toBe('image_build_failed');
    expect(error.message).toMatch(
      /building relaybox-test\/broken-.* \(service gateway\) failed: .*returned a non-zero code: 3/,
    );
    expect(error.details).toMatch(/Step 3\/\d+ : RUN echo "compiling the gateway"/);
    expect(error.details).toMatch(/compiling the gateway/);
    expect(error.details).toMatch(/error: no such module/);
    expect((await leftovers(stack)).containers).toBe(0);
  });

  it('says which image could not be pulled', async () => {
    const stack = uniqueStack();
    const engine = testEngine(stack, {
      variables: { ...TEST_IMAGES, REDIS_IMAGE: `relaybox-test/missing-${stack}:1` },
    });
    cleanups.push(() => engine.down({ volumes: true }));
    const error = await failure(engine.up({ port: 19030, devApiKey: devApiKey() }));
    expect(error.code).toBe('dependency_unavailable');
    expect(error.message).toMatch(
      /image relaybox-test\/missing-.*:1 \(service redis\) is not on this machine and could not be pulled/,
    );
    expect(error.message).toMatch(/set REDIS_IMAGE to an image this machine has/);
    expect((await leftovers(stack)).containers).toBe(0);
  });

  it('reports an unhealthy service with its last log lines and removes what it started', {
    timeout: 120_000,
  }, async () => {
    const stack = uniqueStack();
    const engine = testEngine(stack, {
      overrides: {
        services: {
          redis: {
            healthcheck: {
              test: ['CMD', 'sh', '-c', 'echo redis check says no; exit 1'],
              interval: '1s',
              retries: 2,
            },
          },
        },
      },
    });
    cleanups.push(() => engine.down({ volumes: true }));
    const error = await failure(engine.up({ port: 19030, devApiKey: devApiKey() }));
    expect(error.code).toBe('service_unhealthy');
    expect(error.message).toMatch(/service redis failed its health check/);
    expect(error.details).toMatch(/last 30 log lines of redis/);
    expect(error.details).toMatch(/Ready to accept connections/);
    expect(error.details).toMatch(/redis check says no/);
    expect((await leftovers(stack)).containers).toBe(0);
  });
});
