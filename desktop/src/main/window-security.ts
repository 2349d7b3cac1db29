/**
 * Security policy of the console window, as plain functions the Electron glue applies:
 * the window may only show the stack's console origin, and every response from that origin
 * gets a strict CSP (on top of the one the gateway sends: browsers enforce both).
 */

/** Only the console's own origin may be loaded or navigated to in the window. */
export function isConsoleUrl(url: string, consoleOrigin: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.origin === consoleOrigin && parsed.pathname.startsWith('/console');
  } catch {
    return false;
  }
}

/** Where the window may navigate: the console origin, nowhere else. */
export function isAllowedNavigation(url: string, consoleOrigin: string): boolean {
  try {
    return new URL(url).origin === consoleOrigin;
  } catch {
    return false;
  }
}

/**
 * The renderer runs only the console's own scripts, talks only to its origin (inspector API)
 * and the daemon, and can neither be framed nor frame, post forms or load plugins.
 */
export function consoleCsp(consoleOrigin: string, daemonUrl: string): string {
  const ws = consoleOrigin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws} ${new URL(daemonUrl).origin}`,
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export type ResponseHeaders = Record<string, string | string[]>;

/**
 * Adds the console CSP to a response of the console origin (`onHeadersReceived`). An existing
 * policy (the gateway's) stays: several policies all apply, so this can only narrow it.
 */
export function withConsoleCsp(
  url: string,
  headers: ResponseHeaders | undefined,
  consoleOrigin: string,
  daemonUrl: string,
): ResponseHeaders | undefined {
  if (!isAllowedNavigation(url, consoleOrigin)) return headers;
  const result: ResponseHeaders = { ...headers };
  const key = Object.keys(result).find((k) => k.toLowerCase() === 'content-security-policy');
  const existing = key === undefined ? [] : ([] as string[]).concat(result[key]!);
  if (key !== undefined) delete result[key];
  result['Content-Security-Policy'] = [...existing, consoleCsp(consoleOrigin, daemonUrl)];
  return result;
}

/** The options every console window is created with. */
export function consoleWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}
