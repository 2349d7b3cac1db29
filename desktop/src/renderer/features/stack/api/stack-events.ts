import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { followEventStream } from '../../../lib/sse.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';
import { STACK_KEY } from './stack.js';

const RECONNECT_MS = 3000;

interface StackEvent {
  type: 'service' | 'progress' | 'log';
  step?: string;
  detail?: string;
  done?: boolean;
}

/**
 * Follows the daemon's `/api/events`: a service changing state refreshes the stack at once (the
 * 1 s poll stays as a fallback); returns the latest progress step of an ongoing up/scale.
 */
export function useStackEvents(): string | undefined {
  const { daemon } = useConsoleConnection();
  const client = useQueryClient();
  const [progress, setProgress] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!daemon) return;
    const abort = new AbortController();
    let retry: number | undefined;
    const follow = () => {
      followEventStream(`${daemon.url}/api/events`, daemon.secret, abort.signal, (data) => {
        let event: StackEvent;
        try {
          event = JSON.parse(data) as StackEvent;
        } catch {
          return;
        }
        if (event.type === 'service') void client.invalidateQueries({ queryKey: STACK_KEY });
        if (event.type === 'progress') setProgress(event.done ? undefined : event.step);
      })
        .catch(() => undefined)
        .then(() => {
          if (!abort.signal.aborted) retry = window.setTimeout(follow, RECONNECT_MS);
        });
    };
    follow();
    return () => {
      abort.abort();
      window.clearTimeout(retry);
    };
  }, [daemon, client]);
  return progress;
}
