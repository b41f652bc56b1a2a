// COCO run-length encoding of binary masks, as pycocotools writes it: runs over the pixels in column-major
// (Fortran) order, starting with a run of zeros (possibly empty); compressed to COCO's string form
// (maskApi.c rleToString: each count minus the one two before, 5 bits per character, offset 48).

/** Run lengths of `map == value` over a width×height row-major map, read column by column. */
export function rleCounts(map: Uint8Array, width: number, height: number, value: number): number[] {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const bit = map[y * width + x] === value ? 1 : 0;
      if (bit !== current) {
        counts.push(run);
        run = 0;
        current = bit;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

export function compressRle(counts: readonly number[]): string {
  let text = '';
  counts.forEach((count, i) => {
    let x = i > 2 ? count - (counts[i - 2] as number) : count;
    for (let more = true; more; ) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      text += String.fromCharCode(c + 48);
    }
  });
  return text;
}

/** Tight [x, y, width, height] of the pixels equal to `value`; null if there are none. */
export function valueBounds(map: Uint8Array, width: number, height: number, value: number): [number, number, number, number] | null {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (map[y * width + x] !== value) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}
