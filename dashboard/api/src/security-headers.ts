import type { FastifyInstance } from 'fastify';

/**
 * The dashboard's Content-Security-Policy. The built SPA is one module script and one stylesheet
 * from its own origin and calls only its own `/api`, so nothing inline, no eval, no other origin
 * is needed; `frame-ancestors 'none'` (with X-Frame-Options for old browsers) stops clickjacking.
 * `img-src data:` allows inline SVG/PNG data URLs only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every control-plane response: pages, assets, API answers and errors alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
});

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
}
