export * from './daemon-errors.js';
export * from './daemon-file.js';
export * from './daemon-log.js';
export * from './daemon-routes.js';
export * from './ensure-daemon.js';
export * from './start-daemon.js';
