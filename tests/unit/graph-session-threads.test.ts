// How many intra-op threads the small k-means/LOST graphs get: the cores the load average leaves free.
import { describe, expect, it } from 'vitest';
import { freeCores } from '../../src/core/labels/graph-session.ts';

describe('freeCores', () => {
  it('gives an idle machine all its cores', () => {
    expect(freeCores(2, 0)).toBe(2);
    expect(freeCores(8, 0.3)).toBe(7);
  });

  it('counts a partly busy core as busy (a second thread does not pay for these graphs), but keeps one thread', () => {
    expect(freeCores(2, 0.3)).toBe(1);
    expect(freeCores(2, 4)).toBe(1);
    expect(freeCores(16, 3.2)).toBe(12);
  });
});
