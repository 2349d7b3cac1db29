import { createContext, type ReactNode, useContext } from 'react';
import type { ConsoleConnection } from '../api/connection.js';

const ConnectionContext = createContext<ConsoleConnection | undefined>(undefined);

export function ConnectionProvider({ value, children }: { value: ConsoleConnection; children: ReactNode }) {
  return <ConnectionContext.Provider value={value}>{children}</ConnectionContext.Provider>;
}

/** The resolved connection; only used below `ConnectionProvider`. */
export function useConsoleConnection(): ConsoleConnection {
  const value = useContext(ConnectionContext);
  if (!value) throw new Error('useConsoleConnection outside ConnectionProvider');
  return value;
}
