// Which images the features job takes next, and how many at a time. First the suspects a dead process
// left in flight (feature_inflight), one at a time, so that a crash among them leaves exactly one mark
// behind; a single mark found at the start is the culprit, which the job records and this queue skips.
// Then every pending image in id order, in batches. Each group is marked in flight as it is taken; the
// job's commit clears the marks.
import type { FeatureKind } from '../../shared/models.ts';
import type { FeatureIndex, PendingImage } from './feature-index.ts';

export interface TakenImages {
  images: PendingImage[];
  /** One suspect image, to be decoded and inferred with nothing else in flight. */
  alone: boolean;
}

export class BatchQueue {
  /** The image the last run's process died on when it was alone in flight, or null. */
  readonly culprit: number | null;
  private readonly index: FeatureIndex;
  private readonly kinds: FeatureKind[];
  private readonly batchSize: number;
  private readonly suspects: number[];
  /** Taken in this run already: the id cursor passes over them. */
  private readonly taken = new Set<number>();
  private lastId = 0;

  constructor(index: FeatureIndex, kinds: FeatureKind[], batchSize: number) {
    this.index = index;
    this.kinds = kinds;
    this.batchSize = batchSize;
    const left = index.inFlight();
    this.culprit = left.length === 1 ? (left[0] as number) : null;
    this.suspects = left.length > 1 ? left : [];
    if (this.culprit !== null) this.taken.add(this.culprit);
  }

  take(): TakenImages | null {
    const next = this.nextGroup();
    if (next) this.index.markInFlight(next.images.map((image) => image.id));
    return next;
  }

  private nextGroup(): TakenImages | null {
    while (this.suspects.length > 0) {
      const id = this.suspects.shift() as number;
      this.taken.add(id);
      const [image] = this.index.pendingAfter(id - 1, this.kinds, 1);
      if (image?.id === id) return { images: [image], alone: true }; // unless it is gone or done since
    }
    for (;;) {
      const page = this.index.pendingAfter(this.lastId, this.kinds, this.batchSize);
      if (page.length === 0) return null;
      this.lastId = (page[page.length - 1] as PendingImage).id;
      const images = page.filter((image) => !this.taken.has(image.id));
      if (images.length > 0) return { images, alone: false };
    }
  }
}
