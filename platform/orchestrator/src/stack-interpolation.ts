import { OrchestratorError } from './engine.js';

export type Variables = Readonly<Record<string, string | undefined>>;

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Compose's variable substitution, the subset compose.yaml uses: `$$` (a literal `$`), `$VAR`,
 * `${VAR}`, `${VAR:-default}` / `${VAR-default}` (default when unset-or-empty / unset), and
 * `${VAR:?message}` / `${VAR?message}` (fail with the message).
 */
export function interpolate(text: string, vars: Variables): string {
  return text.replace(PATTERN, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = vars[name];
    const empty = value === undefined || (op?.startsWith(':') === true && value === '');
    if (!op) return value ?? '';
    if (op.endsWith('-')) return empty ? (arg ?? '') : (value as string);
    if (empty)
      throw new OrchestratorError('invalid_argument', `stack definition: ${name} is required: ${arg ?? ''}`);
    return value as string;
  });
}
