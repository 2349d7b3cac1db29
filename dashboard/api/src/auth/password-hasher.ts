import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id hashing (@node-rs/argon2's default algorithm is argon2id; the cost comes from config,
 * OWASP-level by default). `verifyUnknown` burns the same work as a real verify against a dummy
 * hash, so a login for an unknown email takes as long as one with a wrong password.
 */
export class PasswordHasher {
  private constructor(
    private readonly params: Argon2Params,
    private readonly dummyHash: string,
  ) {}

  static async create(params: Argon2Params): Promise<PasswordHasher> {
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
