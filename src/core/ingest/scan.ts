// The scan job: finds images under the project's folders, decodes and records new or changed ones,
// marks vanished ones missing and groups identical files. A rescan of an unchanged folder decodes
// nothing; an interrupted scan, run again, continues after the last committed batch.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { JobContext } from '../jobs/job-context.ts';
import { nestedFolders } from '../library/folders.ts';
import { transaction } from '../store/database.ts';
import { type KnownFile, decodedTwin, knownFiles, markMissing, refreshDuplicateCounts, upsertImage } from './image-records.ts';
import { type WorkItem, ingestFile } from './ingest-file.ts';
import { thumbnailPath } from './thumbnails.ts';
import { findImages } from './walk.ts';

export interface ScanSpec {
  /** Folders to scan; empty means every folder of the project. */
  folderIds: number[];
}

const COMMIT_EVERY_ITEMS = 200;
const COMMIT_EVERY_MS = 1000;

export async function runScan(context: JobContext): Promise<void> {
  const { db, settings, thumbsDir } = context.project;
  const spec = context.spec as ScanSpec;
  const folders = (db.prepare('SELECT id, path FROM folders ORDER BY id').all() as { id: number; path: string }[]).filter(
    (folder) => spec.folderIds.length === 0 || spec.folderIds.includes(folder.id),
  );

  context.progress({ phase: 'discovering', done: 0, total: null, message: null });
  const work: WorkItem[] = [];
  const warnings: string[] = [];
  const overlap = overlapNote(nestedFolders(db));
  let changed = false;
  // Contents whose thumbnail is queued for a rebuild: one file of a group of identical ones is enough.
  const rebuilding = new Set<string>();
  const thumbnailLost = (known: KnownFile) => {
    if (known.status !== 'ok' || known.sha256 === null || rebuilding.has(known.sha256)) return false;
    if (existsSync(thumbnailPath(thumbsDir, known.sha256))) return false; // a stat, not a decode: rescans stay fast
    rebuilding.add(known.sha256);
    return true;
  };
  for (const folder of folders) {
    const found = await findImages(folder.path, () => context.isCancelled());
    if (context.isCancelled()) return;
    warnings.push(...found.warnings);
    const known = knownFiles(db, folder.id);
    const seen = new Set<string>();
    for (const file of found.files) {
      seen.add(file.relPath);
      const before = known.get(file.relPath);
      const unchanged = before && before.status !== 'missing' && before.bytes === file.bytes && before.mtimeMs === file.mtimeMs;
      // An unchanged file is decoded again only when its thumbnail is gone (thumbs/ deleted, or not copied).
      if (!unchanged || thumbnailLost(before)) work.push({ folderId: folder.id, root: folder.path, file, knownId: before?.id ?? null });
    }
    const vanished = [...known].filter(([relPath, row]) => !seen.has(relPath) && row.status !== 'missing');
    if (vanished.length > 0) {
      transaction(db, () => vanished.forEach(([, row]) => markMissing(db, row.id)));
      changed = true;
    }
  }

  const decodeOptions = { maxPixels: settings.get('maxPixels'), thumbnailSize: settings.get('thumbnailSize') };
  let done = 0;
  let batch: (() => void)[] = [];
  let lastCommit = Date.now();
  const commit = () => {
    if (batch.length === 0) return;
    const writes = batch;
    batch = [];
    transaction(db, () => writes.forEach((write) => write()));
    lastCommit = Date.now();
    changed = true;
    context.libraryChanged();
  };

  context.progress({ phase: 'decoding', done, total: work.length, message: summary(overlap, warnings) });
  const processOne = async (item: WorkItem) => {
    const outcome = await ingestFile(item, decodeOptions, thumbsDir, (sha) => decodedTwin(db, sha));
    if (outcome === 'vanished') {
      if (item.knownId !== null) batch.push(() => markMissing(db, item.knownId as number));
    } else {
      if (outcome.status === 'broken') context.itemFailed();
      batch.push(() => upsertImage(db, outcome));
    }
    done++;
    context.progress({ done });
    if (batch.length >= COMMIT_EVERY_ITEMS || Date.now() - lastCommit >= COMMIT_EVERY_MS) commit();
  };
  await forEachConcurrently(work, availableParallelism() + 2, processOne, () => context.isCancelled());
  commit();
  if (changed) {
    context.progress({ phase: 'grouping duplicates' });
    refreshDuplicateCounts(db);
    context.libraryChanged();
  }
  context.progress({ phase: context.isCancelled() ? 'cancelled' : 'finished', message: summary(overlap, warnings) });
}

async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && !stop()) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

function summary(overlap: string | null, warnings: string[]): string | null {
  const shown = warnings.slice(0, 5).join('; ');
  const skipped = warnings.length === 0 ? null : `${warnings.length} entr${warnings.length === 1 ? 'y' : 'ies'} skipped: ${shown}${warnings.length > 5 ? '; …' : ''}`;
  return [overlap, skipped].filter(Boolean).join(' ') || null;
}

/**
 * Projects made before overlapping folders were refused can hold a folder inside another; its files
 * are then listed (and counted as duplicates) twice. The scan goes on as before and says so.
 */
function overlapNote(nested: ReturnType<typeof nestedFolders>): string | null {
  if (nested.length === 0) return null;
  const pairs = nested.map(({ inner, outer }) => `#${inner.id} ${inner.path} is inside #${outer.id} ${outer.path}`).join('; ');
  return `Overlapping folders (${pairs}): their files are in the library twice and count as their own duplicates; start a new project with the outer folder to fix this.`;
}
