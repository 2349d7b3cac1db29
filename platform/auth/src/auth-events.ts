/** Auth events of the trace stream (docs/inspector.md); none carries a credential, token or email. */
export type AuthEventType =
  | 'auth.signup'
  | 'auth.signin'
  | 'auth.signin.failed'
  | 'auth.refresh.reused'
  | 'auth.signout'
  | 'auth.revoked'
  | 'auth.mfa.failed'
  | 'auth.email.sent';

export interface AuthEvent {
  type: AuthEventType;
  appId: string;
  /** The user's id when known (never for a failed sign-in with an unknown email). */
  userId?: string;
  detail?: Record<string, unknown>;
}

/** Where the service reports what happened (the gateway's tracer), and whom to disconnect. */
export interface AuthHooks {
  event(event: AuthEvent): void;
  /**
   * Sessions were revoked: close the user's connections opened with tokens of these sessions on every
   * gateway (`'all'`: every connection of the user). Resolves once the command left this gateway.
   */
  revoked(appId: string, userId: string, sessions: string[] | 'all'): Promise<void>;
}
