import { randomBytes } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

type Argon2 = typeof import('@node-rs/argon2');
let argon2: Promise<Argon2> | undefined;

/**
 * The native argon2 module, loaded on first use: the bundles (the `relaybox` CLI, the platform
 * image) keep it outside the bundle, next to uWebSockets.js, so a build that lacks it still starts
 * and only password sign-in answers with a clear error.
 */
export function loadArgon2(): Promise<Argon2> {
  argon2 ??= import('@node-rs/argon2').catch((error: unknown) => {
    argon2 = undefined;
    throw new RelayBoxError(
      ErrorCode.Internal,
      'password hashing is unavailable: the native module @node-rs/argon2 is not installed next to this RelayBox build',
      { cause: error },
    );
  });
  return argon2;
}

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP password storage cheat sheet: argon2id, m=19 MiB, t=2, p=1 (the dashboard's default too). */
export const OWASP_ARGON2: Argon2Params = Object.freeze({ memoryKib: 19_456, timeCost: 2, parallelism: 1 });

/** Longest password accepted: argon2 of megabytes of input would be a cheap way to burn CPU. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * argon2id hashing (@node-rs/argon2, as the dashboard API). `verifyUnknown` does the same work as a
 * real verify against a dummy hash, so an unknown email costs what a wrong password costs.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  private constructor(private readonly params: Argon2Params) {}

  /** A hasher; the native module is loaded on first use (`loadArgon2`). */
  static async create(params: Argon2Params = OWASP_ARGON2): Promise<PasswordHasher> {
    return new PasswordHasher(params);
  }

  async hash(password: string): Promise<string> {
    return (await loadArgon2()).hash(password, toOptions(this.params));
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    const { verify } = await loadArgon2();
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  async verifyUnknown(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(24).toString('base64'));
    await this.verify(await this.dummyHash, password);
    return false;
  }
}

function toOptions(p: Argon2Params) {
  return { memoryCost: p.memoryKib, timeCost: p.timeCost, parallelism: p.parallelism };
}
