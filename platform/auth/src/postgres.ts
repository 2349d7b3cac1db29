// @relaybox/auth/postgres: the PostgreSQL user store and the user views alone, for the control
// plane (dashboard/api), whose bundle must not pull in the gateway-side adapters of the index.
export * from './store/postgres-user-store.js';
export * from './user-store.js';
export * from './user-view.js';
