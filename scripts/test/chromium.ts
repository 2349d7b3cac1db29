import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

// The one way every browser test in the repository starts Chromium, keeps screenshots and collects
// page errors (console, dashboard, React bindings, the example app, the registry test).

/** Where screenshots go: .artifacts/screenshots at the workspace root (CI keeps .artifacts). */
export const SCREENSHOTS = fileURLToPath(new URL('../../.artifacts/screenshots/', import.meta.url));

/** The system Chromium: `npm test`'s preflight installs it; a direct vitest run says what is missing. */
export function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium']).toString().trim();
  } catch {
    throw new Error(
      'chromium is not on the PATH: install it (apt-get install -y chromium) or run `npm test`',
    );
  }
}

/** The system Chromium, headless, with nothing of its own reaching out to the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Keeps a screenshot of the current view under .artifacts/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Collects page errors and console errors, to report them when a test fails. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}
