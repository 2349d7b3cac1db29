// electron-builder's `beforeBuild` hook (electron-builder.yml). Resolving false tells electron-builder
// that the app's node_modules are handled outside it: no install or rebuild step, and no walk of the
// workspace's production dependencies, which it would otherwise pack into app.asar (and their native
// addons into app.asar.unpacked). Nothing needs them: main, preload and console are bundled into
// desktop/dist, and the CLI bundle (<resources>/cli) carries its own native modules.
export default async function beforeBuild() {
  return false;
}
