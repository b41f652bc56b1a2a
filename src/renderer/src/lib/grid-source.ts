// What the virtualized grid shows: a count, the items in view (fetched page by page on demand) and a
// way to ask for a range. The Library's filtered images and a cluster's members are both sources.
import { reactive } from 'vue';
import type { ImageSummary } from '../../../shared/schemas.ts';
import { errorMessage } from '../api/errors.ts';
import { PageCache, type PageResult } from './page-cache.ts';

export type GridItem = Pick<ImageSummary, 'id' | 'relPath' | 'status' | 'error' | 'duplicateCount'>;

export interface GridSource {
  readonly total: number;
  /** False until the first answer, so an empty grid says "no images" only when it really has none. */
  readonly loaded: boolean;
  itemAt(index: number): GridItem | undefined;
  showRange(first: number, last: number): void;
}

export interface PagedSource extends GridSource {
  readonly error: string | null;
  /** Drops every page (a new list, e.g. another cluster); the grid refetches what is in view. */
  reset(): void;
  /** Refetches the pages in view, keeping the old ones on screen until the new ones arrive. */
  refresh(): void;
}

const PAGE_SIZE = 200;
const MAX_CACHED_PAGES = 50;

/** A source over any paged list call, its items turned into grid items by `toItem`. */
export function pagedSource<T>(fetchPage: (offset: number, limit: number) => Promise<PageResult<T>>, toItem: (item: T) => GridItem): PagedSource {
  const state = reactive({ total: 0, loaded: false, error: null as string | null });
  let visible = { first: 0, last: -1 };
  const pages = new PageCache<GridItem>({
    pageSize: PAGE_SIZE,
    maxPages: MAX_CACHED_PAGES,
    fetchPage: async (offset, limit) => {
      const result = await fetchPage(offset, limit);
      return { total: result.total, items: result.items.map(toItem) };
    },
    onResult: (result) => {
      state.total = result.total;
      state.loaded = true;
      state.error = null;
    },
    onError: (failure) => {
      state.error = errorMessage(failure);
    },
  });
  return {
    get total() {
      return state.total;
    },
    get loaded() {
      return state.loaded;
    },
    get error() {
      return state.error;
    },
    itemAt: (index) => pages.itemAt(index),
    showRange(first, last) {
      visible = { first, last };
      // An unloaded list has no count yet: ask for its first page so the count arrives.
      pages.ensure(first, state.loaded ? last : Math.max(last, 0));
    },
    reset() {
      pages.clear();
      state.loaded = false;
      state.total = 0;
      pages.ensure(0, 0);
    },
    refresh() {
      pages.invalidate();
      pages.ensure(visible.first, Math.max(visible.last, 0));
    },
  };
}
