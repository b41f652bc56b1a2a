// Thumbnails are cached by content hash: identical files share one, and a renamed file keeps its own.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function thumbnailPath(thumbsDir: string, sha256: string): string {
  return join(thumbsDir, sha256.slice(0, 2), `${sha256}.jpg`);
}

/** Writes through a temporary file so a crash never leaves a half-written thumbnail behind. */
export async function writeThumbnail(thumbsDir: string, sha256: string, jpeg: Buffer): Promise<void> {
  const path = thumbnailPath(thumbsDir, sha256);
  await mkdir(join(thumbsDir, sha256.slice(0, 2)), { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, jpeg);
  await rename(temporary, path);
}
