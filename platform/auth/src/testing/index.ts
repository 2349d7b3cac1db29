export * from './user-store-conformance.js';
