import { processContext } from './cli-context.js';
import { runCli } from './run-cli.js';

// Exits explicitly: an engine's timers or a follow must not keep a finished command alive.
const code = await runCli(process.argv.slice(2), processContext());
process.exit(code);
