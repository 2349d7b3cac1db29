// @relaybox/auth: the live auth service for an app's own end users (docs/auth.md).
// Served by the gateways under /v1/auth; state in the deployment's user store.
export * from './auth-provider-error.js';
export * from './mailer/dev-mailbox.js';
export * from './mailer/mail-templates.js';
export * from './mailer/mailer.js';
export * from './mailer/smtp-mailer.js';
export * from './oidc/bounded-fetch.js';
export * from './oidc/id-token.js';
export * from './oidc/oauth-client.js';
export * from './oidc/oidc-discovery.js';
export * from './oidc/provider-config.js';
export * from './oidc/redirect-uri.js';
export * from './totp/base32.js';
export * from './totp/otpauth-uri.js';
export * from './totp/recovery-codes.js';
export * from './totp/totp.js';
