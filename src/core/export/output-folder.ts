// Exports appear whole or not at all: everything is written into a sibling scratch folder that replaces
// the output folder in one rename at the end. An existing output is replaced only when asked.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ExportError } from './export-data.ts';

export async function writeOutputFolder(out: string, overwrite: boolean, write: (dir: string) => Promise<void>): Promise<string> {
  const target = resolve(out);
  const occupied = existsSync(target) && readdirSync(target).length > 0;
  if (occupied && !overwrite) throw new ExportError(`${target} exists and is not empty; choose another folder or replace it (--overwrite).`);
  await mkdir(dirname(target), { recursive: true });
  const scratch = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch);
  try {
    await write(scratch);
    if (existsSync(target)) {
      const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
      await rename(target, old);
      await rename(scratch, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(scratch, target);
    }
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  return target;
}
