export * from './broker.js';
export * from './key-store.js';
export * from './message-id.js';
export * from './sequence-store.js';
