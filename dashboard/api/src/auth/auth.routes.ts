import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../lib/api-error.js';
import { randomId } from '../lib/ids.js';
import type { Services } from '../services.js';
import { requireSession } from './session-guard.js';
import { SESSION_COOKIE, SESSION_TTL_SEC, type SessionInfo } from './session-store.js';

interface Credentials {
  email: string;
  password: string;
}

const credentialsSchema = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^\\s*[^\\s@]+@[^\\s@]+\\s*$' },
    password: { type: 'string', minLength: 10, maxLength: 200 },
  },
} as const;

const INVALID_CREDENTIALS = 'email or password is wrong';

export function registerAuthRoutes(app: FastifyInstance, services: Services): void {
  const { db, passwords, sessions, loginLimiter, signupLimiter } = services;

  app.post<{ Body: Credentials }>(
    '/api/auth/signup',
    { schema: { body: credentialsSchema } },
    async (request, reply) => {
      // Per client IP (request.ip: the socket's address unless TRUST_PROXY), before the costly hash.
      const retryAfter = await signupLimiter.reserve(request.ip);
      if (retryAfter !== null) {
        throw new ApiError(ErrorCode.RateLimited, 'too many signups from this address, try again later', {
          extra: { retryAfter },
        });
      }
      const email = normaliseEmail(request.body.email);
      const passwordHash = await passwords.hash(request.body.password);
      const id = `usr_${randomId(16)}`;
      const inserted = await db
        .insertInto('users')
        .values({ id, email, password_hash: passwordHash })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        // Generic on purpose; signup still reveals that an email exists to someone who tries it
        // (only email verification would hide that): see docs/control-plane.md.
        throw new ApiError(ErrorCode.SignupFailed, 'could not create an account with these details');
      }
      return startSession(request, reply.status(201), services, { id, email });
    },
  );

  app.post<{ Body: Credentials }>(
    '/api/auth/login',
    { schema: { body: credentialsSchema } },
    async (request, reply) => {
      const email = normaliseEmail(request.body.email);
      // Reserved before the (costly, guessable) password check: see login-rate-limiter.ts.
      const reservation = await loginLimiter.reserve(email, request.ip);
      if (!reservation.ok) {
        throw new ApiError(ErrorCode.RateLimited, 'too many failed sign-in attempts, try again later', {
          extra: { retryAfter: reservation.retryAfter },
        });
      }
      const user = await db
        .selectFrom('users')
        .select(['id', 'email', 'password_hash'])
        .where('email', '=', email)
        .executeTakeFirst();
      const ok = user
        ? await passwords.verify(user.password_hash, request.body.password)
        : await passwords.verifyUnknown(request.body.password);
      if (!user || !ok) {
        await loginLimiter.failed();
        throw new ApiError(ErrorCode.InvalidCredentials, INVALID_CREDENTIALS);
      }
      await loginLimiter.succeeded(reservation.attempt);
      return startSession(request, reply, services, { id: user.id, email: user.email });
    },
  );

  app.post('/api/auth/logout', async (request, reply) => {
    if (request.sessionCookie) await sessions.delete(request.sessionCookie);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', async (request) => {
    const session = requireSession(request);
    return { user: session.user, csrfToken: session.csrfToken };
  });
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  user: SessionInfo['user'],
) {
  // A previous session on this browser ends: no session fixation across accounts.
  if (request.sessionCookie) await services.sessions.delete(request.sessionCookie);
  const session = await services.sessions.create(user);
  reply.setCookie(SESSION_COOKIE, session.cookieValue, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.cookieSecure || request.protocol === 'https',
    maxAge: SESSION_TTL_SEC,
  });
  return { user: session.user, csrfToken: session.csrfToken };
}
