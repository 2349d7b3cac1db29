import type { ReactNode } from 'react';
import { describeError } from './http.js';

interface QueryLike {
  isPending: boolean;
  isError: boolean;
  error: unknown;
}

/**
 * The loading and error states every view shares. Renders `children` once data is there; a failed
 * refetch keeps the last data on screen and shows the error above it.
 */
export function QueryState({
  query,
  label,
  children,
}: {
  query: QueryLike & { data?: unknown };
  label: string;
  children: ReactNode;
}) {
  if (query.isPending) {
    return (
      <p className="state loading" role="status">
        Loading {label}…
      </p>
    );
  }
  const error = query.isError ? (
    <p className="state error" role="alert">
      Cannot load {label}: {describeError(query.error)}
    </p>
  ) : null;
  if (query.data === undefined) return error;
  return (
    <>
      {error}
      {children}
    </>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}
