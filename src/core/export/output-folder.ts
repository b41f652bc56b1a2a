// Exports appear whole or not at all: everything is written into a sibling scratch folder that replaces
// the output folder in one rename at the end. An existing output is replaced only when asked.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FolderNotWritableError, checkWritableFolder } from '../files/writable-folder.ts';
import { ExportError } from './export-data.ts';

/** The output folder is not empty and replacing it was not asked for. */
export class OutputOccupiedError extends ExportError {
  override name = 'OutputOccupiedError';
}

/**
 * Refuses up front an output folder the export could not finish in: a non-empty folder without
 * `overwrite`, a file, or a place this user cannot create folders in. Returns the absolute folder.
 */
export function checkOutputFolder(out: string, overwrite: boolean): string {
  let target: string;
  try {
    // The scratch folder is made beside the target: the nearest existing folder above must take new entries.
    target = checkWritableFolder(out, { purpose: 'to export into', writesBeside: true });
  } catch (error) {
    throw error instanceof FolderNotWritableError ? new ExportError(error.message) : error;
  }
  if (existsSync(target) && readdirSync(target).length > 0 && !overwrite) throw new OutputOccupiedError(`${target} exists and is not empty; choose another folder or replace it (--overwrite).`);
  return target;
}

/** An export's failure to write (disk full, no permission, read-only) as a message that says what to do; other errors as they are. */
export function describeWriteError(error: unknown, target: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ExportError(`The disk holding ${dirname(target)} is full (${code}); nothing was written. Free some space or choose a folder on another disk, then export again.`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ExportError(`Cannot write into ${dirname(target)} (${code}); nothing was written. Choose a folder you can write to, then export again.`);
  }
  return error;
}

export async function writeOutputFolder(out: string, overwrite: boolean, write: (dir: string) => Promise<void>): Promise<string> {
  const target = checkOutputFolder(out, overwrite);
  const scratch = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  try {
    await mkdir(dirname(target), { recursive: true });
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch);
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
    throw describeWriteError(error, target);
  }
  return target;
}
