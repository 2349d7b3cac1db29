import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The subset of the `.env` format that dotenv, Vite and Node's `--env-file` agree on: one
 * `KEY=value` per line, an optional `export ` prefix, values optionally in single or double
 * quotes, `#` comment lines. Unquoted values end at ` #` (an inline comment).
 */
const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

function unquote(raw: string): string {
  const quote = raw[0];
  if ((quote === '"' || quote === "'") && raw.length >= 2 && raw.endsWith(quote)) return raw.slice(1, -1);
  const comment = raw.indexOf(' #');
  return (comment === -1 ? raw : raw.slice(0, comment)).trim();
}

/** The variables a `.env` text defines; a later line wins, as with dotenv. */
export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (match?.[1] !== undefined) values.set(match[1], unquote(match[2] ?? ''));
  }
  return values;
}

export interface EnvMerge {
  /** The new file text: the old lines in order, changed in place, new keys appended. */
  text: string;
  /** Keys whose value was written (added, or replaced with `force`). */
  written: string[];
  /** Keys already set to another value and left alone (no `force`). */
  kept: string[];
}

/** A value written so that every reader above gets it back unchanged (quotes are not escapes in all). */
function formatValue(value: string): string {
  if (/^[\w.:/@+=-]*$/.test(value)) return value;
  if (/[\r\n]/.test(value) || (value.includes("'") && value.includes('"')))
    throw new Error(`cannot write ${JSON.stringify(value)} to a .env file unchanged`);
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

/**
 * Merges `values` into an existing `.env` text without touching anything else: a key already
 * set keeps its value unless `force`, in which case its (last) line is rewritten in place.
 */
export function mergeEnvFile(text: string, values: Record<string, string>, force: boolean): EnvMerge {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const existing = parseEnvFile(text);
  const written: string[] = [];
  const kept: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const line = `${key}=${formatValue(value)}`;
    if (!existing.has(key)) {
      lines.push(line);
      written.push(key);
    } else if (existing.get(key) === value) {
      // Already there: nothing to write, nothing to report.
    } else if (force) {
      const at = lines.findLastIndex((l) => LINE.exec(l)?.[1] === key);
      lines[at] = line;
      written.push(key);
    } else {
      kept.push(key);
    }
  }
  return { text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, written, kept };
}

/**
 * The CLI's environment: `RELAYBOX_*` variables of `<cwd>/.env` (what `relaybox init` writes)
 * under the process's own, which win. Other variables of the file are not the CLI's business.
 */
export function withProjectEnv(
  cwd: string,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return env;
  }
  const fromFile = [...parseEnvFile(text)].filter(([key]) => key.startsWith('RELAYBOX_'));
  return { ...Object.fromEntries(fromFile), ...env };
}
