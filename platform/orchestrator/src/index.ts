export * from './daemon/index.js';
export {
  assertDockerAvailable,
  createDockerClient,
  type DockerConnectionOptions,
  describeDockerHost,
} from './docker/docker-connection.js';
export * from './docker/docker-engine.js';
export { ensureImage } from './docker/image-builder.js';
export * from './embedded/embedded-engine.js';
export * from './engine.js';
export { FaultController } from './faults/fault-controller.js';
export * from './front-proxy.js';
export * from './native/log-buffer.js';
export * from './native/native-engine.js';
export * from './native/preflight.js';
export {
  MIN_ADMIN_TOKEN_LENGTH,
  newSecret,
  readOrCreateAdminToken,
  readOrCreateDevKey,
} from './native/stack-secrets.js';
export * from './stack-definition.js';

export { runVerify, type VerifyTarget } from './verifier/verifier.js';
