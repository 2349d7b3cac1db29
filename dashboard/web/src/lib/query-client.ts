import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client.js';

/** One retry for an unavailable server; a 4xx answer will not change by asking again. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) =>
          failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        retryDelay: 500,
        staleTime: 10_000,
      },
    },
  });
}
