// A fixed colour per segment id, so segment 4 has the same colour in every image and every session.
// Pascal VOC's bit-interleaved colour map (the one its segmentation PNGs use), starting at its
// entry 1 so that no segment is drawn black.

export const MAX_SEGMENTS = 255;

function vocColour(index: number): [number, number, number] {
  const colour: [number, number, number] = [0, 0, 0];
  let bits = index;
  for (let shift = 7; shift >= 0 && bits > 0; shift--, bits >>= 3) {
    for (let channel = 0; channel < 3; channel++) colour[channel]! |= ((bits >> channel) & 1) << shift;
  }
  return colour;
}

/** RGB of segment `id` (0 ≤ id < 255); distinct for every id. */
export function segmentColour(id: number): [number, number, number] {
  if (!Number.isInteger(id) || id < 0 || id >= MAX_SEGMENTS) throw new RangeError(`segment id must be in [0, ${MAX_SEGMENTS}), got ${id}`);
  return vocColour(id + 1);
}
