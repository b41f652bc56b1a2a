// Tiny random-weight diffusion models exported by the real trainer (tests/support/tiny_diffusion_model.py),
// one Python process for all requested modes. Returns each mode's export folder.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = fileURLToPath(new URL('./tiny_diffusion_model.py', import.meta.url));

export type TinyMode = 'label' | 'box' | 'mask';

export async function exportTinyDiffusionModels<M extends TinyMode>(dir: string, modes: M[]): Promise<Record<M, string>> {
  if (!existsSync(PYTHON)) throw new Error(`The trainer's Python environment is missing (${PYTHON}): run \`bash scripts/setup.sh --test\``);
  await promisify(execFile)(PYTHON, [SCRIPT, dir, ...modes], { cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return Object.fromEntries(modes.map((mode) => [mode, join(dir, mode, 'export')])) as Record<M, string>;
}
