import type { Job } from '@relaybox/core';
import type { DeadLetterList } from '@relaybox/workers';
import type { Tracer } from './tracer.js';

type LogFn = (message: string, fields: Record<string, unknown>) => void;

/**
 * A maintenance processor that also emits `type` (`job.sweep`, `job.trim`) once per run, from
 * whichever process runs it (a gateway or a separate worker): the job id, its try, how long it took,
 * whether it failed, and what its log lines reported (swept gateways, trimmed messages).
 */
export function tracedJob<Data, Deps extends { log: LogFn }>(
  type: 'job.sweep' | 'job.trim',
  processor: (job: Job<Data>, deps: Deps) => Promise<void>,
  tracer: Tracer,
): (job: Job<Data>, deps: Deps) => Promise<void> {
  if (!tracer.on) return processor;
  return async (job, deps) => {
    const started = Date.now();
    const reports: Array<Record<string, unknown>> = [];
    const log: LogFn = (message, fields) => {
      reports.push({ message, ...fields });
      deps.log(message, fields);
    };
    let error: string | undefined;
    try {
      await processor(job, { ...deps, log });
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
      throw cause;
    } finally {
      tracer.emit(
        type,
        {
          detail: {
            jobId: job.id,
            attempt: job.attempt,
            durationMs: Date.now() - started,
            ok: error === undefined,
            ...(error ? { error } : {}),
            reports: reports.slice(0, 20),
          },
        },
        started,
      );
    }
  };
}

/** Adds letters as before and emits `webhook.dead_letter` for each (the move to the dead-letter list). */
export function tracedDeadLetters(
  inner: DeadLetterList,
  tracer: Tracer,
): DeadLetterList & { close(): Promise<void> } {
  return {
    close: async () => (inner as { close?: () => Promise<void> }).close?.(),
    list: (appId, limit) => inner.list(appId, limit),
    take: (appId, endpointId, eventId) => inner.take(appId, endpointId, eventId),
    add: async (letter) => {
      const dropped = await inner.add(letter);
      tracer.emit('webhook.dead_letter', {
        appId: letter.appId,
        detail: {
          endpointId: letter.endpointId,
          eventId: letter.event.id,
          event: letter.event.type,
          attempts: letter.attempts,
          reason: letter.reason,
          lastStatus: letter.lastStatus,
          lastError: letter.lastError,
        },
      });
      return dropped;
    },
  };
}
