// Recursive discovery of image files under a folder. Follows symlinks but never visits a directory
// twice (no loops), skips anything that is not a regular file (FIFOs would block a read forever),
// and turns unreadable entries into warnings instead of failures.
import { opendir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { IMAGE_EXTENSIONS } from './formats.ts';

export interface FoundFile {
  relPath: string;
  bytes: number;
  mtimeMs: number;
}

export interface WalkResult {
  /** Sorted by relPath, so a scan proceeds in a stable order and resumes predictably. */
  files: FoundFile[];
  /** Directories or entries that could not be read, with the reason. */
  warnings: string[];
}

export async function findImages(root: string, isCancelled: () => boolean = () => false): Promise<WalkResult> {
  const files: FoundFile[] = [];
  const warnings: string[] = [];
  const visited = new Set<string>();
  const pending = [root];
  while (pending.length > 0 && !isCancelled()) {
    const dir = pending.pop() as string;
    const candidates: string[] = [];
    try {
      const info = await stat(dir);
      const identity = `${info.dev}:${info.ino}`;
      if (visited.has(identity)) continue;
      visited.add(identity);
      for await (const entry of await opendir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isSymbolicLink() || IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) candidates.push(path);
      }
    } catch (error) {
      warnings.push(`${dir}: ${reason(error)}`);
    }
    // stat() follows links: a link to a directory is walked, a link to an image is an image.
    await Promise.all(
      candidates.map(async (path) => {
        try {
          const target = await stat(path);
          if (target.isDirectory()) pending.push(path);
          else if (target.isFile() && IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) {
            files.push({ relPath: relative(root, path), bytes: target.size, mtimeMs: target.mtimeMs });
          }
        } catch (error) {
          warnings.push(`${path}: ${reason(error)}`);
        }
      }),
    );
  }
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files, warnings };
}

export function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'vanished during the scan (or a broken link)';
  if (code === 'ELOOP') return 'symbolic link loop';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOSPC') return 'no space left on the disk';
  return error instanceof Error ? error.message : String(error);
}
