// Refuses, before any work, an output folder that could not be written: a file, a path below a file, or
// a place where this user cannot create entries (permissions, a read-only disk, /proc or /sys). Used by
// exports and by the sample command's copy folder.
import { accessSync, constants, existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The folder cannot be written; the message says what to do. */
export class FolderNotWritableError extends Error {
  override name = 'FolderNotWritableError';
}

export interface WritableFolderOptions {
  /** What the folder is for, ending the advice: "choose a folder to export into". */
  purpose: string;
  /** Entries are made beside the folder (a scratch folder renamed into place), not only inside it. */
  writesBeside?: boolean;
}

/** Returns the absolute folder, or throws FolderNotWritableError. An existing folder's contents are not looked at. */
export function checkWritableFolder(folder: string, options: WritableFolderOptions): string {
  const target = resolve(folder);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new FolderNotWritableError(`${target} is a file, not a folder; choose a folder ${options.purpose}.`);
  // New entries go into the nearest existing folder at or above where they are made.
  let existing = options.writesBeside ? dirname(target) : target;
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) throw new FolderNotWritableError(`${existing} is a file, so ${target} cannot be made; choose another folder.`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
    // Permission bits do not tell everything (root, read-only mounts, /proc): make and remove an entry.
    rmdirSync(mkdtempSync(join(existing, '.selfguide-write-check-')));
  } catch {
    throw new FolderNotWritableError(`Cannot write to ${existing} (permission denied or read-only); choose a folder you can write to.`);
  }
  return target;
}
