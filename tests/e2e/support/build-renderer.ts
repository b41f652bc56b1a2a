// Builds only the renderer (into out/renderer, where `selfguide serve` finds it) with the project's
// electron-vite config, so the suite tests the code in the tree and does not need the main process built.
import { resolveConfig } from 'electron-vite';
import { build } from 'vite';

export default async function buildRenderer(): Promise<void> {
  process.env.NODE_ENV_ELECTRON_VITE = 'production';
  const resolved = await resolveConfig({ logLevel: 'warn' }, 'build', 'production');
  const renderer = resolved.config?.renderer;
  if (!renderer) throw new Error('electron.vite.config.ts has no renderer config');
  await build(renderer);
}
