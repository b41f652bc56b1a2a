// Pages of a long server-side list, fetched on demand for the visible range. The cache is reactive per
// page (a shallow Map), keeps the most recently used pages only, and survives refreshes without
// blanking the screen: invalidate() marks pages stale and the next ensure() refetches those in view.
import { shallowReactive } from 'vue';

export interface PageResult<T> {
  total: number;
  items: T[];
}

interface Page<T> {
  items: T[];
  generation: number;
}

export class PageCache<T> {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly fetchPage: (offset: number, limit: number) => Promise<PageResult<T>>;
  private readonly onResult: (result: PageResult<T>) => void;
  private readonly onError: (error: unknown) => void;
  private readonly pages = shallowReactive(new Map<number, Page<T>>());
  /** Page indices, least recently used first; kept apart from `pages` so using a page re-renders nothing. */
  private readonly recency = new Set<number>();
  private readonly inFlight = new Map<number, number>();
  /** Bumped by invalidate(): pages fetched under an older generation are stale. */
  private generation = 0;
  /** Bumped by clear(): answers to requests from an older epoch belong to another query. */
  private epoch = 0;

  constructor(options: {
    pageSize: number;
    maxPages: number;
    fetchPage: (offset: number, limit: number) => Promise<PageResult<T>>;
    onResult: (result: PageResult<T>) => void;
    onError: (error: unknown) => void;
  }) {
    this.pageSize = options.pageSize;
    this.maxPages = options.maxPages;
    this.fetchPage = options.fetchPage;
    this.onResult = options.onResult;
    this.onError = options.onError;
  }

  itemAt(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.items[index % this.pageSize];
  }

  /** Starts fetching every missing or stale page that holds an item in [first, last]. */
  ensure(first: number, last: number): void {
    if (last < first) return;
    for (let page = Math.floor(first / this.pageSize); page <= Math.floor(last / this.pageSize); page++) {
      const cached = this.pages.get(page);
      if (cached) this.markUsed(page);
      const fresh = cached?.generation === this.generation || this.inFlight.get(page) === this.generation;
      if (!fresh) this.load(page);
    }
  }

  invalidate(): void {
    this.generation += 1;
  }

  clear(): void {
    this.epoch += 1;
    this.generation += 1;
    this.pages.clear();
    this.recency.clear();
    this.inFlight.clear();
  }

  private load(page: number): void {
    const { epoch, generation } = this;
    this.inFlight.set(page, generation);
    this.fetchPage(page * this.pageSize, this.pageSize).then(
      (result) => {
        if (epoch !== this.epoch) return;
        if (this.inFlight.get(page) === generation) this.inFlight.delete(page);
        // A slow answer must not overwrite a newer one that overtook it.
        if ((this.pages.get(page)?.generation ?? -1) > generation) return;
        this.pages.set(page, { items: result.items, generation });
        this.markUsed(page);
        this.onResult(result);
      },
      (error: unknown) => {
        if (epoch !== this.epoch) return;
        if (this.inFlight.get(page) === generation) this.inFlight.delete(page);
        this.onError(error);
      },
    );
  }

  /** Records the page as most recently used and drops the least recently used beyond the limit. */
  private markUsed(page: number): void {
    this.recency.delete(page);
    this.recency.add(page);
    for (const oldest of this.recency) {
      if (this.recency.size <= this.maxPages) break;
      this.recency.delete(oldest);
      this.pages.delete(oldest);
    }
  }
}
