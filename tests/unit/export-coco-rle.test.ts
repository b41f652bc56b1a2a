import { describe, expect, it } from 'vitest';
import { compressRle, rleCounts, valueBounds } from '../../src/core/export/coco-rle.ts';

describe('COCO RLE', () => {
  // 3 wide × 2 high, row-major: [[1, 0, 1], [1, 1, 0]]; column-major reading: 1 1 0 1 1 0.
  const map = Uint8Array.from([1, 0, 1, 1, 1, 0]);

  it('counts runs column by column, starting with zeros', () => {
    expect(rleCounts(map, 3, 2, 1)).toEqual([0, 2, 1, 2, 1]);
    expect(rleCounts(map, 3, 2, 0)).toEqual([2, 1, 2, 1]);
    expect(rleCounts(new Uint8Array(6), 3, 2, 1)).toEqual([6]);
  });

  it("compresses as pycocotools' rleToString does", () => {
    // Values computed with pycocotools.mask.encode on the same masks.
    expect(compressRle([0, 2, 1, 2, 1])).toBe('02100');
    expect(compressRle([6])).toBe('6');
    expect(compressRle([100, 50, 200])).toBe('T3b1X6');
  });

  it('bounds the pixels of a value as [x, y, width, height]', () => {
    expect(valueBounds(map, 3, 2, 0)).toEqual([1, 0, 2, 2]);
    expect(valueBounds(map, 3, 2, 7)).toBeNull();
  });
});
