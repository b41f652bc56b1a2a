// Paths the API receives: a relative one would be resolved against the back end's working directory,
// which means nothing to a person at a browser, so the API takes absolute paths only (the CLI resolves
// relative ones against the shell's directory before it calls the core).
import { isAbsolute } from 'node:path';

export class RelativePathError extends Error {
  override name = 'RelativePathError';
}

/** The path itself when absolute; else RelativePathError naming what it was for. */
export function absolutePath(path: string, what: string): string {
  if (!isAbsolute(path)) throw new RelativePathError(`The ${what} must be an absolute path (got "${path}").`);
  return path;
}
