// @relaybox/auth: the live auth service for an app's own end users (docs/auth.md).
// Served by the gateways under /v1/auth; state in the deployment's user store.
export * from './auth-provider-error.js';
export * from './totp/base32.js';
export * from './totp/otpauth-uri.js';
export * from './totp/recovery-codes.js';
export * from './totp/totp.js';
