// One file of a scan: read once, hashed, decoded (unless an identical file was decoded already),
// thumbnailed. What goes wrong with the file is recorded on it; only project-level failures throw.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecodeError, type DecodeOptions, decodeImage } from './decode.ts';
import type { ImageRecord, decodedTwin } from './image-records.ts';
import { thumbnailPath, writeThumbnail } from './thumbnails.ts';
import { type FoundFile, reason } from './walk.ts';

export interface WorkItem {
  folderId: number;
  root: string;
  file: FoundFile;
  /** The image's row when the file was seen by an earlier scan. */
  knownId: number | null;
}

/** Returns the record to store, or 'vanished' when the file disappeared since it was listed. */
export async function ingestFile(
  item: WorkItem,
  options: DecodeOptions,
  thumbsDir: string,
  findTwin: (sha256: string) => ReturnType<typeof decodedTwin>,
): Promise<ImageRecord | 'vanished'> {
  const base = { folderId: item.folderId, relPath: item.file.relPath, bytes: item.file.bytes, mtimeMs: item.file.mtimeMs };
  const empty = { sha256: null, format: null, width: null, height: null, orientation: null };
  let bytes: Buffer;
  try {
    bytes = await readFile(join(item.root, item.file.relPath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'vanished';
    return { ...base, ...empty, status: 'broken', error: `unreadable: ${reason(error)}` };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const twin = findTwin(sha256);
  if (twin && existsSync(thumbnailPath(thumbsDir, sha256))) {
    return { ...base, bytes: bytes.length, status: 'ok', error: null, sha256, ...twin };
  }
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(bytes, options);
  } catch (error) {
    // Whatever the decoder says about this one file is recorded on it; the scan goes on.
    const message = error instanceof DecodeError ? error.message : `cannot decode: ${String(error)}`;
    return { ...base, ...empty, bytes: bytes.length, sha256, status: 'broken', error: message };
  }
  // A failure to write the cache (disk full, say) is the project's problem, not the image's: it fails the job.
  await writeThumbnail(thumbsDir, sha256, decoded.thumbnail).catch((error: unknown) => {
    throw new Error(`cannot write thumbnails in ${thumbsDir}: ${reason(error)}`);
  });
  const { format, width, height, orientation } = decoded;
  return { ...base, bytes: bytes.length, status: 'ok', error: null, sha256, format, width, height, orientation };
}
