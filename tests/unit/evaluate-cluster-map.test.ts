import { describe, expect, it } from 'vitest';
import { consistencyClusterMap } from '../../src/core/evaluate/cluster-map.ts';

const cluster = (id: number, mergedInto: number | null = null, splitFrom: number | null = null) => ({ id, mergedInto, splitFrom });

describe('consistencyClusterMap', () => {
  it('is the identity without people’s edits', () => {
    expect(consistencyClusterMap([cluster(0), cluster(1), cluster(2)])).toEqual([0, 1, 2]);
  });

  it('follows merges (also chains of them) and maps a split cluster to the one it came from', () => {
    // 1 merged into 2, 2 merged into 0; 4 split from 3; 5 split from 1 (itself merged away)
    const map = consistencyClusterMap([cluster(0), cluster(1, 2), cluster(2, 0), cluster(3), cluster(4, null, 3), cluster(5, null, 1)]);
    expect(map).toEqual([0, 0, 0, 3, 3, 0]);
  });

  it('stops on a cycle instead of looping', () => {
    expect(consistencyClusterMap([cluster(0, 1), cluster(1, 0)])).toHaveLength(2);
  });
});
