import { createHash } from 'node:crypto';
import { existsSync, readFileSync, type Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * A docker build context as a tar stream, filtered by the context's `.dockerignore` with Docker's
 * rules (patterns relative to the context root, `*`, `?`, `**`, `!` re-includes, last match
 * wins, a matched directory excludes what is below it). Dockerode's own context packing applies
 * `.dockerignore` to top-level entries only, which would send the whole node_modules tree.
 * As BuildKit does, `<dockerfile>.dockerignore` beside the Dockerfile replaces the root
 * `.dockerignore` for that Dockerfile (two images, one context: the platform and the control plane).
 */
export function buildContextStream(contextDir: string, dockerfile?: string): Readable {
  const rules = readDockerignore(contextDir, dockerfile);
  return Readable.from(tarEntries(contextDir, rules));
}

/** The ignore file Docker uses for `dockerfile` in `contextDir` (relative to the context). */
export function dockerignoreFor(contextDir: string, dockerfile?: string): string {
  const own = dockerfile ? `${dockerfile}.dockerignore` : undefined;
  return own && existsSync(join(contextDir, own)) ? own : '.dockerignore';
}

interface Rule {
  regex: RegExp;
  negate: boolean;
  /** The literal directory prefix of a negated rule: directories on the way must be walked. */
  prefix: string;
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '').replace(/^\.\//, '');
      const prefix = pattern.split(/[*?[]/)[0] ?? '';
      return { regex: globToRegExp(pattern), negate, prefix };
    });
}

/** Excluded when the last rule matching the path or one of its parent directories excludes it. */
export function isExcluded(path: string, rules: readonly Rule[]): boolean {
  const parents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (parents.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negate;
  }
  return excluded;
}

function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      out += end > i ? pattern.slice(i, end + 1) : '\\[';
      if (end > i) i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function readDockerignore(contextDir: string, dockerfile?: string): Rule[] {
  try {
    return parseDockerignore(readFileSync(join(contextDir, dockerignoreFor(contextDir, dockerfile)), 'utf8'));
  } catch {
    return [];
  }
}

interface ContextEntry {
  path: string;
  stat: Stats;
  kind: 'dir' | 'file' | 'symlink';
}

/** Every entry of the context that `.dockerignore` keeps, in a stable order. */
async function* contextEntries(root: string, rules: Rule[]): AsyncGenerator<ContextEntry> {
  const negations = rules.filter((rule) => rule.negate);
  async function* walk(relative: string): AsyncGenerator<ContextEntry> {
    const names = (await readdir(join(root, relative))).sort();
    for (const name of names) {
      const path = relative ? `${relative}/${name}` : name;
      const stat = await lstat(join(root, path));
      const excluded = isExcluded(path, rules);
      if (stat.isDirectory()) {
        // An excluded directory is still walked when a `!` rule may re-include something in it.
        if (excluded && !negations.some((rule) => mayReinclude(rule, path))) continue;
        if (!excluded) yield { path, stat, kind: 'dir' };
        yield* walk(path);
      } else if (!excluded && stat.isSymbolicLink()) yield { path, stat, kind: 'symlink' };
      else if (!excluded && stat.isFile()) yield { path, stat, kind: 'file' };
    }
  }
  yield* walk('');
}

/**
 * A cheap fingerprint of what the context would contain (paths, sizes, modification times, link
 * targets): equal fingerprints mean an image built from it is still current.
 */
export async function contextFingerprint(
  contextDir: string,
  extra: string,
  dockerfile?: string,
): Promise<string> {
  const hash = createHash('sha256').update(extra);
  for await (const entry of contextEntries(contextDir, readDockerignore(contextDir, dockerfile))) {
    const link = entry.kind === 'symlink' ? await readlink(join(contextDir, entry.path)) : '';
    hash.update(
      `${entry.path}\0${entry.kind}\0${entry.stat.size}\0${entry.stat.mtimeMs}\0${entry.stat.mode}\0${link}\n`,
    );
  }
  return hash.digest('hex');
}

async function* tarEntries(root: string, rules: Rule[]): AsyncGenerator<Buffer> {
  for await (const { path, stat, kind } of contextEntries(root, rules)) {
    const base = { mode: stat.mode, mtime: stat.mtimeMs };
    if (kind === 'dir') yield header(`${path}/`, { ...base, size: 0, type: '5' });
    else if (kind === 'symlink') {
      const linkname = await readlink(join(root, path));
      yield header(path, { ...base, size: 0, type: '2', linkname });
    } else {
      const data = await readFile(join(root, path));
      yield header(path, { ...base, size: data.length, type: '0' });
      yield data;
      if (data.length % 512) yield Buffer.alloc(512 - (data.length % 512));
    }
  }
  yield Buffer.alloc(1024);
}

/** Whether a `!` rule can match something below `dir` (its literal prefix reaches into it). */
function mayReinclude(rule: Rule, dir: string): boolean {
  return rule.prefix.startsWith(`${dir}/`) || `${dir}/`.startsWith(rule.prefix);
}

interface EntryInfo {
  mode: number;
  size: number;
  type: '0' | '2' | '5' | 'x';
  mtime: number;
  linkname?: string;
}

/** A ustar header, preceded by a PAX header when the name or link target is too long for ustar. */
function header(name: string, info: EntryInfo): Buffer {
  const long = Buffer.byteLength(name) > 100 || Buffer.byteLength(info.linkname ?? '') > 100;
  const main = ustar(long ? name.slice(-90) : name, info);
  if (!long) return main;
  const records = [`path=${name}`, ...(info.linkname ? [`linkpath=${info.linkname}`] : [])]
    .map(paxRecord)
    .join('');
  const body = Buffer.from(records);
  const pad = body.length % 512 ? Buffer.alloc(512 - (body.length % 512)) : Buffer.alloc(0);
  const pax = ustar('PaxHeader', { mode: 0o644, size: body.length, type: 'x', mtime: info.mtime });
  return Buffer.concat([pax, body, pad, main]);
}

function paxRecord(field: string): string {
  // "<length> <field>\n" where length counts itself.
  const base = Buffer.byteLength(field) + 2;
  let length = base + String(base).length;
  if (String(length).length !== String(base).length) length = base + String(length).length;
  return `${length} ${field}\n`;
}

function ustar(name: string, info: EntryInfo): Buffer {
  const block = Buffer.alloc(512);
  const write = (offset: number, size: number, value: string) => block.write(value, offset, size, 'utf8');
  const octal = (offset: number, size: number, value: number) =>
    write(offset, size, `${value.toString(8).padStart(size - 1, '0')}\0`);
  write(0, 100, name);
  octal(100, 8, info.mode & 0o7777);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, info.size);
  octal(136, 12, Math.floor(info.mtime / 1000));
  write(148, 8, '        ');
  write(156, 1, info.type);
  write(157, 100, (info.linkname ?? '').slice(0, 100));
  write(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const byte of block) sum += byte;
  write(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}
