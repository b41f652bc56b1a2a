// How many intra-op threads the small k-means/LOST graphs get: the cores the load average leaves free.
import { describe, expect, it } from 'vitest';
import { freeCores } from '../../src/core/labels/graph-session.ts';

describe('freeCores', () => {
  it('gives an idle machine all its cores, counting the last minute of our own work as noise', () => {
    expect(freeCores(2, 0)).toBe(2);
    expect(freeCores(2, 0.5)).toBe(2); // the quiet bench run that flooring left on one thread
    expect(freeCores(8, 0.3)).toBe(8);
  });

  it('leaves the cores other processes hold, but never fewer than one thread', () => {
    expect(freeCores(2, 0.6)).toBe(1);
    expect(freeCores(2, 4)).toBe(1);
    expect(freeCores(16, 3.2)).toBe(13);
  });
});
