/**
 * Hides the secrets a stack prints before its output is kept or logged by the desktop app: the
 * admin token (`Authorization: Bearer ...`), the daemon secret and tokens in console URLs
 * (`secret=...`, `token=...`), any `*_TOKEN=`/`*SECRET=`/`*PASSWORD=` assignment or JSON field, and
 * the secret part of an API key (`<appId>.<keyId>:<secret>`). The rest of the line is kept, so
 * the log stays useful.
 */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer\s+)[^\s)"',]+/gi, '$1[redacted]'],
  [/("[\w-]*(?:secret|token|password|apikey|api_key)[\w-]*"\s*:\s*")[^"]*"/gi, '$1[redacted]"'],
  [/\b([\w-]*(?:secret|token|password|apikey|api_key)[\w-]*=)[^&\s#"',)]+/gi, '$1[redacted]'],
  // appId.keyId:secret (secrets are long; a host:port never matches).
  [/\b([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+):[A-Za-z0-9_-]{16,}/g, '$1:[redacted]'],
];

export const REDACTED = '[redacted]';

export function redactSecrets(line: string): string {
  let out = line;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
