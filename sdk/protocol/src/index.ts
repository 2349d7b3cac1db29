export * from './close-codes.js';
export * from './errors.js';
export * from './frames.js';
export * from './history-page.js';
export * from './limits.js';
export * from './parse-frame.js';
export * from './permissions.js';
export * from './shard.js';
