import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

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
  private constructor(
    private readonly params: Argon2Params,
    private readonly dummyHash: string,
  ) {}

  static async create(params: Argon2Params = OWASP_ARGON2): Promise<PasswordHasher> {
    const dummy = await hash(randomBytes(24).toString('base64'), toOptions(params));
    return new PasswordHasher(params, dummy);
  }

  hash(password: string): Promise<string> {
    return hash(password, toOptions(this.params));
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  async verifyUnknown(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }
}

function toOptions(p: Argon2Params) {
  return { memoryCost: p.memoryKib, timeCost: p.timeCost, parallelism: p.parallelism };
}
