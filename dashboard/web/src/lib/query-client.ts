import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client.js';

export interface QueryClientHooks {
  /** Any request answered 401 (session expired or signed out elsewhere) or 403 `csrf_invalid`. */
  onSessionLost: (client: QueryClient, error: ApiError) => void;
}

const sessionLost = (error: unknown): error is ApiError =>
  error instanceof ApiError && (error.status === 401 || error.code === 'csrf_invalid');

/** One retry for an unavailable server; a 4xx answer will not change by asking again. */
export function createQueryClient(hooks: QueryClientHooks): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (sessionLost(error)) hooks.onSessionLost(client, error);
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (sessionLost(error)) hooks.onSessionLost(client, error);
      },
    }),
    defaultOptions: {
      queries: {
        retry: (failures, error) =>
          failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        retryDelay: 500,
        staleTime: 10_000,
      },
    },
  });
  return client;
}
