import { type ConnectedFrame, RESUME_PROTOCOL_PREFIX } from '@relaybox/protocol';

/** connectionId and resume secret are base64url on the wire; anything else cannot be offered safely. */
const RESUME_PART = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The connection's latest resumable identity: the `connectionId` and `resumeSecret` of the last
 * `connected` frame (the secret changes on every connection). A reconnect offers it as the
 * subprotocol `relaybox.resume.<connectionId>.<resumeSecret>`; `close()` and 'failed' forget it, so
 * a later `connect()` starts a new connection. Never logged.
 */
export class ResumeOffer {
  private current: string | undefined;

  /** The subprotocol to offer next, if any. */
  get protocol(): string | undefined {
    return this.current;
  }

  remember(frame: ConnectedFrame): void {
    const { connectionId, resumeSecret } = frame;
    // A value outside the token charset would make the WebSocket constructor throw on every retry.
    const valid =
      typeof connectionId === 'string' &&
      typeof resumeSecret === 'string' &&
      RESUME_PART.test(connectionId) &&
      RESUME_PART.test(resumeSecret);
    this.current = valid ? `${RESUME_PROTOCOL_PREFIX}${connectionId}.${resumeSecret}` : undefined;
  }

  forget(): void {
    this.current = undefined;
  }
}
