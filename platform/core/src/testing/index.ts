export * from './broker-conformance.js';
export * from './inbox.js';
export * from './rooms.js';
export * from './sequence-store-conformance.js';
export * from './tcp-proxy.js';
export * from './wait-for.js';
