// @relaybox/auth: the live auth service for an app's own end users (docs/auth.md).
// Served by the gateways under /v1/auth; state in the deployment's user store.
export * from './access-tokens.js';
export * from './attempt-limiter.js';
export * from './auth-admin.js';
export * from './auth-events.js';
export * from './auth-keys.js';
export * from './auth-service.js';
export * from './passwords.js';
export * from './store/memory-user-store.js';
export * from './store/redis-attempt-limiter.js';
export * from './store/redis-user-store.js';
export * from './user-store.js';
export * from './user-view.js';
