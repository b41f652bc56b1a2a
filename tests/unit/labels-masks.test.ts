import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { matrix, type Matrix } from '../../src/core/labels/matrix.ts';
import { fitSegments, segmentMap, segmentsPresent } from '../../src/core/labels/segment-masks.ts';
import { segmentColour } from '../../src/core/labels/segment-palette.ts';
import { decodeSegmentPng, encodeSegmentPng } from '../../src/core/labels/segment-png.ts';

// A synthetic scene on a 4×6 patch grid (16-px patches, 96×64 pixels): sky in the top row, grass in
// the left three columns below it, a "car" in the bottom-right 3×3 block. Tokens are noisy versions
// of one direction per region, scaled differently (normalization must remove the scale).
const REGIONS = { sky: [1, 0.1, 0, 0.2], grass: [0, 1, 0.2, 0], car: [0.1, 0, 1, 0.3] };
type Region = keyof typeof REGIONS;

function regionAt(row: number, col: number, flipped: boolean): Region {
  if (row === 0) return 'sky';
  return (col < 3) !== flipped ? 'grass' : 'car';
}

function sceneTokens(flipped: boolean, scale: number): Matrix {
  const values: number[] = [];
  for (let cell = 0; cell < 24; cell++) {
    const base = REGIONS[regionAt(Math.floor(cell / 6), cell % 6, flipped)];
    values.push(...base.map((v, j) => scale * (v + 0.02 * Math.sin(cell * 3 + j))));
  }
  return matrix(Float32Array.from(values), 24, 4);
}

/**
 * The expected region of a pixel: the largest bilinear weight (align_corners=False) of the four
 * patches around its centre, the tokens being confident enough for the soft assignment to be one-hot.
 * Along a straight edge that is the patch under the pixel; near a T-junction the two-patch side wins.
 */
function expectedRegion(x: number, y: number, flipped: boolean): Region {
  const axis = (i: number, size: number) => {
    const source = Math.min(Math.max((i + 0.5) / 16 - 0.5, 0), size - 1);
    const low = Math.floor(source);
    return [[low, 1 - (source - low)], [Math.min(low + 1, size - 1), source - low]] as const;
  };
  const weights = new Map<Region, number>();
  for (const [row, wy] of axis(y, 4)) {
    for (const [col, wx] of axis(x, 6)) {
      const region = regionAt(row, col, flipped);
      weights.set(region, (weights.get(region) ?? 0) + wy * wx);
    }
  }
  return [...weights].sort((a, b) => b[1] - a[1])[0]![0];
}

describe('segment masks', () => {
  it('segments a synthetic scene at pixel level with ids shared across images', async () => {
    const [first, second] = [sceneTokens(false, 1), sceneTokens(true, 7)];
    const all = matrix(Float32Array.from([...first.data, ...second.data]), 48, 4);
    const segments = await fitSegments(all, { k: 3, seed: 1 });
    const grid = { gridHeight: 4, gridWidth: 6, width: 96, height: 64 };
    const maps = [await segmentMap(first, segments.centroids, grid), await segmentMap(second, segments.centroids, grid)];
    // The id of each region, read off the first image, must label every pixel of both images.
    const idOf = { sky: maps[0]![0], grass: maps[0]![16 * 96], car: maps[0]![63 * 96 + 95] } as Record<Region, number>;
    expect(new Set(Object.values(idOf)).size).toBe(3);
    maps.forEach((map, image) => {
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 96; x++) {
          if (map[y * 96 + x] !== idOf[expectedRegion(x, y, image === 1)]) throw new Error(`image ${image}, pixel (${x}, ${y}) mislabelled`);
        }
      }
    });
    // Away from junctions the boundary is the patch edge: grass up to x = 47, car from 48.
    expect([maps[0]![40 * 96 + 47], maps[0]![40 * 96 + 48]]).toEqual([idOf.grass, idOf.car]);
    expect(Array.from(segmentsPresent(maps[0]!, 3))).toEqual([1, 1, 1]);
  });

  it('maps a padded grid onto the un-padded image and a stretched grid onto any size', async () => {
    const tokens = sceneTokens(false, 1);
    const segments = await fitSegments(tokens, { k: 3, seed: 2 });
    const padded = await segmentMap(tokens, segments.centroids, { gridHeight: 4, gridWidth: 6, width: 90, height: 60, patchSize: 16 });
    expect(padded.length).toBe(90 * 60);
    const idOf = (x: number, y: number) => padded[y * 90 + x];
    expect([idOf(47, 20), idOf(48, 20), idOf(89, 59), idOf(5, 15), idOf(5, 16)]).toEqual([idOf(0, 40), idOf(89, 40), idOf(89, 40), idOf(0, 0), idOf(0, 40)]);
    // Stretched: the 6-column grid over 12 pixels puts each patch on 2 pixels.
    const small = await segmentMap(tokens, segments.centroids, { gridHeight: 4, gridWidth: 6, width: 12, height: 8 });
    for (let x = 0; x < 12; x++) expect(small[7 * 12 + x]).toBe(padded[59 * 90 + (x < 6 ? 0 : 89)]);
  });

  it('stores maps as palette-coloured PNGs that decode to the same ids', async () => {
    const map = Uint8Array.from({ length: 40 * 30 }, (_, i) => (Math.floor((i % 40) / 10) + 4 * Math.floor(i / 400)) % 27);
    const png = await encodeSegmentPng(map, 40, 30);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data.subarray(0, 3))).toEqual(segmentColour(map[0]!));
    const decoded = await decodeSegmentPng(png);
    expect([decoded.width, decoded.height]).toEqual([40, 30]);
    expect(Array.from(decoded.map)).toEqual(Array.from(map));
  });

  it('gives every segment id its own fixed colour', () => {
    const colours = new Set(Array.from({ length: 255 }, (_, id) => segmentColour(id).join(',')));
    expect(colours.size).toBe(255);
    expect(segmentColour(0)).toEqual([128, 0, 0]); // VOC entry 1
    expect(colours.has('0,0,0')).toBe(false);
  });
});
