export * from './attempt-limiter-conformance.js';
export * from './user-store-conformance.js';
