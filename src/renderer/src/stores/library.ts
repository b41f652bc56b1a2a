// What the Library view shows: the filter, its counts, the folders, and the filtered images paged in
// on demand for the grid. `library.changed` events refresh all of it, at most once a second.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Folder, ImageSummary, Job, LibraryCounts, LibraryFilterStatus } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { errorMessage } from '../api/errors.ts';
import { PageCache } from '../lib/page-cache.ts';
import { throttle } from '../lib/throttle.ts';
import { useJobsStore } from './jobs.ts';

const PAGE_SIZE = 200;
/** 100 pages of 200: enough to scroll back and forth without refetching, small at a million images. */
const MAX_CACHED_PAGES = 100;
const REFRESH_INTERVAL_MS = 1000;

const NO_COUNTS: LibraryCounts = { all: 0, ok: 0, broken: 0, duplicate: 0, missing: 0 };

export const useLibraryStore = defineStore('library', () => {
  const status = ref<LibraryFilterStatus>('all');
  const folderId = ref<number | null>(null);
  const counts = ref<LibraryCounts>(NO_COUNTS);
  const folders = ref<Folder[]>([]);
  /** Number of images matching the filter. */
  const total = ref(0);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let visible = { first: 0, last: -1 };
  let unsubscribe: (() => void) | null = null;

  const pages = new PageCache<ImageSummary>({
    pageSize: PAGE_SIZE,
    maxPages: MAX_CACHED_PAGES,
    fetchPage: (offset, limit) => client.call('images.list', { status: status.value, folderId: folderId.value, offset, limit }),
    onResult: (result) => {
      total.value = result.total;
    },
    onError: (failure) => {
      error.value = errorMessage(failure);
    },
  });

  async function loadCounts() {
    const query = { status: status.value, folderId: folderId.value };
    const [newCounts, newFolders] = await Promise.all([
      client.call('library.counts', { folderId: query.folderId }),
      client.call('folders.list', {}),
    ]);
    // Drop the answer if the filter changed while it was on its way.
    if (query.status !== status.value || query.folderId !== folderId.value) return;
    counts.value = newCounts;
    folders.value = newFolders;
    total.value = newCounts[query.status];
    loaded.value = true;
  }

  async function refresh() {
    try {
      await loadCounts();
      pages.invalidate();
      pages.ensure(visible.first, visible.last);
      error.value = null;
    } catch (failure) {
      error.value = errorMessage(failure);
    }
  }
  const refreshSoon = throttle(() => void refresh(), REFRESH_INTERVAL_MS);

  function start() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'library.changed') refreshSoon();
    });
    return refresh();
  }

  function setFilter(next: { status?: LibraryFilterStatus; folderId?: number | null }) {
    status.value = next.status ?? status.value;
    folderId.value = next.folderId === undefined ? folderId.value : next.folderId;
    pages.clear();
    return refresh();
  }

  /** The grid reports its visible index range; pages holding it are fetched if missing or stale. */
  function showRange(first: number, last: number) {
    visible = { first, last };
    pages.ensure(first, last);
  }

  /** Starts a scan; its progress then arrives through the jobs store. Resolves to whether it started. */
  async function startJob(request: () => Promise<Job>) {
    try {
      useJobsStore().apply(await request());
      error.value = null;
      return true;
    } catch (failure) {
      error.value = errorMessage(failure);
      return false;
    }
  }

  return {
    status,
    folderId,
    counts,
    folders,
    total,
    loaded,
    error,
    start,
    setFilter,
    showRange,
    itemAt: (index: number) => pages.itemAt(index),
    addFolder: (path: string) => startJob(() => client.call('folders.add', { path })),
    rescan: () => startJob(() => client.call('library.rescan', {})),
  };
});
