// Downloads one pinned file (url + exact size + sha256): into NAME.part, resuming a partial file with
// an HTTP Range request, verified before it is renamed into place. A file that fails verification is
// deleted, never kept. Runs only when the user asked for a download.
import { existsSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstLine } from '../ingest/decode.ts';
import { sha256File } from './sha256-file.ts';

export interface PinnedFile {
  url: string;
  sha256: string;
  bytes: number;
}

export interface DownloadOptions {
  onProgress?: (received: number, total: number) => void;
  isCancelled?: () => boolean;
  /** Transfers tried (each resuming the last) before giving up; the .part file stays for a later run. */
  attempts?: number;
  retryDelayMs?: number;
}

/** A download that must not be retried as is (bad status, wrong size or hash). */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

/** Downloads `file` to `dest`; returns false if cancelled (the partial file is kept to resume). */
export async function downloadPinned(file: PinnedFile, dest: string, options: DownloadOptions = {}): Promise<boolean> {
  const part = `${dest}.part`;
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await transfer(file, part, options))) return false;
      break;
    } catch (error) {
      if (error instanceof DownloadError || attempt >= attempts) {
        if (error instanceof DownloadError) await rm(part, { force: true });
        throw error instanceof DownloadError ? error : new Error(`download of ${file.url} failed: ${firstLine(error)}`);
      }
      await sleep((options.retryDelayMs ?? 500) * attempt);
    }
  }
  const sha256 = await sha256File(part);
  if (sha256 !== file.sha256) {
    await rm(part, { force: true });
    throw new DownloadError(`${file.url} does not match its pinned sha256 (got ${sha256}, expected ${file.sha256}); the file was deleted`);
  }
  await rename(part, dest);
  return true;
}

/** Brings `part` up to `file.bytes` bytes, resuming from its current length; false if cancelled. */
async function transfer(file: PinnedFile, part: string, options: DownloadOptions): Promise<boolean> {
  let have = existsSync(part) ? statSync(part).size : 0;
  if (have > file.bytes) {
    await rm(part);
    have = 0;
  }
  if (have === file.bytes) return true;
  const response = await fetch(file.url, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  if (response.status === 200) have = 0; // the server ignored the range: start over
  else if (response.status !== 206 || !contentRangeStartsAt(response, have)) {
    await response.body?.cancel();
    throw new DownloadError(`${file.url} answered HTTP ${response.status} ${response.statusText}`);
  }
  if (!response.body) throw new Error('empty response body');
  const handle = await open(part, have === 0 ? 'w' : 'a');
  try {
    for await (const chunk of response.body) {
      have += chunk.length;
      if (have > file.bytes) throw new DownloadError(`${file.url} is larger than its pinned size (${file.bytes} bytes)`);
      await handle.write(chunk);
      options.onProgress?.(have, file.bytes);
      if (options.isCancelled?.()) {
        await response.body.cancel().catch(() => undefined);
        return false;
      }
    }
  } finally {
    await handle.close();
  }
  if (have !== file.bytes) throw new Error(`transfer ended at ${have} of ${file.bytes} bytes`);
  return true;
}

function contentRangeStartsAt(response: Response, start: number): boolean {
  const range = response.headers.get('content-range') ?? '';
  return new RegExp(`^bytes ${start}-`).test(range);
}
