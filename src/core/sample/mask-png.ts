// A segment mask from a PNG, as a sampling condition: either grey ids (8-bit, the trainer's manifest
// format; 255 = no segment) or the project's palette PNG (src/core/labels/segment-png.ts), such as the
// stored segment map of an image of the project.
import sharp from 'sharp';
import type { SampleCondition } from '../../shared/generations.ts';
import { readMaskAsset } from '../labels/mask-asset.ts';
import { decodeSegmentPng } from '../labels/segment-png.ts';
import type { Project } from '../project/project.ts';
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

/** The segment map of an image in a mask run (src/core/labels/mask-store.ts), as a mask condition. */
export async function maskConditionOfImage(project: Project, maskRunId: number, imageId: number): Promise<Extract<SampleCondition, { kind: 'mask' }>> {
  const asset = await readMaskAsset(project, maskRunId, imageId);
  if (!asset) throw new ConditionError(`image #${imageId} has no segment map in mask run #${maskRunId} (see: selfguide masks, or the Masks view)`);
  return maskConditionFromPng(asset.data);
}
