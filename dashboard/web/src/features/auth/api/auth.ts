import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, isApiError, setCsrfToken } from '../../../lib/api-client.js';

export interface User {
  id: string;
  email: string;
}

interface SessionResponse {
  user: User;
  csrfToken: string;
}

export interface Credentials {
  email: string;
  password: string;
}

export const authKeys = {
  me: ['auth', 'me'] as const,
};

/** The signed-in user, or null when there is no session (401 is an answer here, not an error). */
export async function fetchMe(): Promise<User | null> {
  try {
    const session = await apiRequest<SessionResponse>('/api/auth/me');
    setCsrfToken(session.csrfToken);
    return session.user;
  } catch (error) {
    if (isApiError(error, 401)) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function meQueryOptions() {
  return queryOptions({ queryKey: authKeys.me, queryFn: fetchMe, staleTime: 60_000 });
}

export function useMe() {
  return useQuery(meQueryOptions());
}

async function startSession(path: string, credentials: Credentials): Promise<User> {
  const session = await apiRequest<SessionResponse>(path, { method: 'POST', body: credentials });
  setCsrfToken(session.csrfToken);
  return session.user;
}

export const signUp = (credentials: Credentials) => startSession('/api/auth/signup', credentials);
export const signIn = (credentials: Credentials) => startSession('/api/auth/login', credentials);

export async function signOut(): Promise<void> {
  await apiRequest<void>('/api/auth/logout', { method: 'POST' });
  setCsrfToken(null);
}

/** Signs up or in; on success the session query holds the user and stale account data is dropped. */
export function useStartSession(mode: 'signup' | 'signin') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: mode === 'signup' ? signUp : signIn,
    onSuccess: (user) => {
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
      queryClient.setQueryData(authKeys.me, user);
    },
  });
}

/**
 * Ends the session, then loads the sign-in page afresh: a full page load drops every cached
 * response of the account and any "return to" location, so the next user starts clean.
 */
export function useSignOut() {
  return useMutation({
    mutationFn: signOut,
    onSuccess: () => window.location.assign('/signin'),
  });
}
