export { localAdminToken } from './admin/admin-config.js';
export * from './auth/authenticator.js';
export * from './auth/principal.js';
export * from './config.js';
export * from './gateway.js';
export * from './logger.js';
export * from './start-gateway.js';
export * from './uws/load-uws.js';
export * from './worker.js';
