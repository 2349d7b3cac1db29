export * from './cli-context.js';
export * from './cli-error.js';
export * from './program.js';
export * from './run-cli.js';
export * from './stack-state.js';
