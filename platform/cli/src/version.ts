// The version of the npm package `relaybox` (platform/cli/package.json). A JSON import so that the
// bundle (scripts/bundle-cli.mjs) inlines it: the bundled CLI has no package.json beside its sources.
import cliPackage from '../package.json' with { type: 'json' };

export const CLI_VERSION: string = cliPackage.version;
