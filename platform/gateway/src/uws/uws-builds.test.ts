import { describe, expect, it } from 'vitest';
import {
  type Runtime,
  selectUwsBuild,
  supportedCombinations,
  UnsupportedRuntimeError,
  UWS_BUILDS,
  versionAtLeast,
} from './uws-builds.js';

const linux = (abi: string, glibc: string | undefined, nodeVersion = 'v0'): Runtime => ({
  nodeVersion,
  platform: 'linux',
  arch: 'x64',
  abi,
  glibc,
});
const installed = () => true;

describe('selectUwsBuild', () => {
  it('prefers uWS 20.57 wherever its glibc 2.38 is met, on Node 20, 22 and 24', () => {
    for (const abi of ['115', '127', '137'])
      expect(selectUwsBuild(linux(abi, '2.41'), installed).version).toBe('20.57.0');
  });

  it('takes the 20.30 build for Node 20 on an older glibc (Debian 12)', () => {
    expect(selectUwsBuild(linux('115', '2.36'), installed).version).toBe('20.30.0');
  });

  it('refuses Node 22 on glibc 2.36, naming the supported combinations', () => {
    const select = () => selectUwsBuild(linux('127', '2.36', 'v22.23.5'), installed);
    expect(select).toThrow(UnsupportedRuntimeError);
    expect(select).toThrow(/Node\.js v22\.23\.5 \(ABI 127, linux-x64, glibc 2\.36\); refusing to start/);
    expect(select).toThrow(/uWS 20\.57\.0: it needs glibc 2\.38 or newer \(this system has 2\.36\)/);
    expect(select).toThrow(
      /Supported: Node\.js 20\/22\/24 with glibc >= 2\.38 \(uWS 20\.57\.0\); Node\.js 20 with glibc >= 2\.27/,
    );
  });

  it('refuses a Node.js no build has an ABI for, and musl', () => {
    expect(() => selectUwsBuild(linux('141', '2.41'), installed)).toThrow(/no binary for ABI 141/);
    expect(() => selectUwsBuild(linux('115', undefined), installed)).toThrow(/not glibc/);
  });

  it('skips a build whose binary is not installed (e.g. a bundle without this platform)', () => {
    const only2030 = (b: { version: string }) => b.version === '20.30.0';
    expect(selectUwsBuild(linux('115', '2.41'), only2030).version).toBe('20.30.0');
    expect(() => selectUwsBuild(linux('127', '2.41'), only2030)).toThrow(
      /uws_linux_x64_127\.node is not installed/,
    );
  });

  it('needs no glibc off Linux', () => {
    const mac: Runtime = {
      nodeVersion: 'v24',
      platform: 'darwin',
      arch: 'arm64',
      abi: '137',
      glibc: undefined,
    };
    expect(selectUwsBuild(mac, installed).version).toBe('20.57.0');
  });
});

describe('versionAtLeast', () => {
  it('compares numerically', () => {
    expect(versionAtLeast('2.41', '2.38')).toBe(true);
    expect(versionAtLeast('2.38', '2.38')).toBe(true);
    expect(versionAtLeast('2.9', '2.38')).toBe(false);
    expect(versionAtLeast('3.0', '2.38')).toBe(true);
  });
});

it('lists every build in the supported combinations', () => {
  expect(supportedCombinations().split('; ')).toHaveLength(UWS_BUILDS.length);
});
