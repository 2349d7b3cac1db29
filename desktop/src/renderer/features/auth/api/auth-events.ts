/** Readable labels of the auth service's trace events (docs/inspector.md), shown in the Auth view. */
export const AUTH_EVENT_LABELS: Readonly<Record<string, string>> = {
  'auth.signup': 'Signed up',
  'auth.signin': 'Signed in',
  'auth.signin.failed': 'Sign-in failed',
  'auth.refresh.reused': 'Refresh token reused: session revoked',
  'auth.signout': 'Signed out',
  'auth.revoked': 'Sessions revoked',
  'auth.mfa.failed': 'Wrong MFA code',
  'auth.email.sent': 'Mail sent',
};

/** The auth service's events (`auth.failed` is the gateway's refused credential, not a user's sign-in). */
export function isUserAuthEvent(type: string): boolean {
  return type in AUTH_EVENT_LABELS;
}

export function authEventLabel(type: string): string {
  return AUTH_EVENT_LABELS[type] ?? type;
}
