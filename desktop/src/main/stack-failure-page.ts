/**
 * The page the window shows when the stack did not start or its process died: the reason and the
 * stack process's last output lines. Everything is HTML-escaped (the lines are the child's output),
 * and the page's own CSP allows no script at all.
 */
export function stackFailurePage(message: string, lastLines: readonly string[]): string {
  const lines =
    lastLines.length > 0 ? lastLines.map(escapeHtml).join('\n') : '(the stack process printed nothing)';
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<title>RelayBox: the stack is not running</title>',
    '<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#222}',
    'pre{background:#f4f4f4;padding:1rem;overflow:auto;white-space:pre-wrap}</style></head><body>',
    '<h1>The RelayBox stack is not running</h1>',
    `<p>${escapeHtml(capitalized(message))}.</p>`,
    '<p>Use <b>Restart stack</b> in the tray menu to start it again.</p>',
    '<h2>Last lines of the stack process</h2>',
    `<pre>${lines}</pre>`,
    '</body></html>',
  ].join('');
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function capitalized(text: string): string {
  const trimmed = text.replace(/\.$/, '');
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}
