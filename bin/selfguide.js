#!/usr/bin/env node
// Launcher: checks the Node version (the CLI runs its TypeScript sources directly, which needs
// Node >= 22.18; `npm run`/`npx` use the Node 22 the project installs) and starts the CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `selfguide needs Node >= 22.18 (this is ${process.version}). Run it through npm, which uses the ` +
      'Node 22 installed with the project: `npx selfguide ...` or `npm run selfguide -- ...`.\n',
  );
  process.exit(2);
}
const { silenceSqliteWarning } = await import('../src/core/store/quiet-sqlite-warning.ts');
silenceSqliteWarning();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
