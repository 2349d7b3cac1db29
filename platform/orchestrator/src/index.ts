export * from './daemon/index.js';
export * from './docker/docker-engine.js';
export * from './embedded/embedded-engine.js';
export * from './engine.js';
export * from './front-proxy.js';
export * from './native/log-buffer.js';
export * from './native/native-engine.js';
export * from './native/preflight.js';
export { newSecret, readOrCreateDevKey } from './native/stack-secrets.js';
