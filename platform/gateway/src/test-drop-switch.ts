import type { RoomMessage } from '@relaybox/protocol';
import type { Logger } from './logger.js';

/**
 * TEST-ONLY: the deliberately broken build behind `RELAYBOX_TEST_DROP_FANOUT_EVERY` (refused in
 * production by the config). It exists so the guarantee verifier (`relaybox verify`) can be shown
 * to find a real loss and point at its trace.
 */
export interface FanoutDrop {
  /** True when this message must never reach a local subscriber (live or replayed). */
  drops(message: Pick<RoomMessage, 'id' | 'seq' | 'room'>, appId: string): boolean;
  /** Called by live fan-out for each message it drops: one warn line per message per gateway. */
  report(message: Pick<RoomMessage, 'id' | 'seq' | 'room'>, appId: string): void;
}

/**
 * Drops every room message whose seq is a multiple of `every` (every `every`-th message of each
 * room), on live fan-out and in replays alike, so the SDK's gap recovery cannot bring it back:
 * the app really never sees it. The seq rule makes the loss the same on every gateway.
 */
export function dropEveryNthSeq(every: number, log: Logger): FanoutDrop {
  log.warn('TEST-ONLY broken build: dropping every room message whose seq is a multiple of N', { every });
  return {
    drops: (message) => message.seq % every === 0,
    report: (message, appId) =>
      log.warn('test drop: fan-out message dropped', {
        appId,
        room: message.room,
        messageId: message.id,
        seq: message.seq,
      }),
  };
}
