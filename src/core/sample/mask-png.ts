// A segment mask from a PNG, as a sampling condition: either grey ids (8-bit, the trainer's manifest
// format; 255 = no segment) or the project's palette PNG (src/core/labels/segment-png.ts).
import sharp from 'sharp';
import type { SampleCondition } from '../../shared/generations.ts';
import { decodeSegmentPng } from '../labels/segment-png.ts';
import { ConditionError, encodeSegments } from './condition-input.ts';

export async function maskConditionFromPng(png: Buffer): Promise<Extract<SampleCondition, { kind: 'mask' }>> {
  const metadata = await sharp(png).metadata().catch((error: unknown) => {
    throw new ConditionError(`the mask is not a readable image: ${(error as Error).message}`);
  });
  let decoded: { map: Uint8Array; width: number; height: number };
  if (metadata.channels === 1 || (metadata.channels === 2 && metadata.space === 'b-w')) {
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    decoded = { map: Uint8Array.from(data), width: info.width, height: info.height };
  } else {
    decoded = await decodeSegmentPng(png).catch((error: unknown) => {
      throw new ConditionError(`the mask is neither grey segment ids nor a palette segment map: ${(error as Error).message}`);
    });
  }
  return { kind: 'mask', width: decoded.width, height: decoded.height, segments: encodeSegments(decoded.map) };
}
