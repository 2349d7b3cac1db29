import { describe, expect, it } from 'vitest';
import { chooseEngine } from './engine-choice.js';

describe('chooseEngine', () => {
  it('keeps what the user picked without probing', async () => {
    const probe = async () => {
      throw new Error('not probed');
    };
    await expect(chooseEngine('native', probe)).resolves.toEqual({
      engine: 'native',
      reason: 'chosen in the settings (native)',
    });
    await expect(chooseEngine('embedded', probe)).resolves.toMatchObject({ engine: 'embedded' });
  });

  it('defaults to docker when an engine answers, else to embedded, saying which and why', async () => {
    await expect(
      chooseEngine('auto', async () => ({ ok: true, where: 'unix:///var/run/docker.sock' })),
    ).resolves.toEqual({
      engine: 'docker',
      reason: 'the default: a Docker engine answers at unix:///var/run/docker.sock',
    });
    await expect(
      chooseEngine('auto', async () => ({ ok: false, where: 'unix:///tmp/x.sock', error: 'ECONNREFUSED' })),
    ).resolves.toEqual({
      engine: 'embedded',
      reason:
        'the default: no Docker engine answers at unix:///tmp/x.sock (ECONNREFUSED), and the embedded engine needs none',
    });
  });
});
