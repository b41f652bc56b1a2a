// A sampling request's condition (a cluster, a box layout, a segment mask) turned into the model's
// inputs, as the trainer builds them (trainer/docs/manifest.md, "What each mode trains on"):
//   label / cluster: one-hot vector;  box: one-hot cluster + 1 layout channel, 1 inside the box;
//   mask: multi-hot of the segments present + K layout channels, one-hot segment ids.
// Several boxes: the layout is their union and the vector the multi-hot of their clusters (training
// saw one box per image, so this is an extrapolation). A cluster alone on a box model: the box is the
// whole image. The null condition is all zeros. Masks are resized (nearest) to the model's resolution.
import type { DiffusionModelInfo, SampleCondition } from '../../shared/generations.ts';
import type { Condition } from './guidance.ts';

export class ConditionError extends Error {
  override name = 'ConditionError';
}

/** The request as recorded: masks at the model's resolution, so the record alone regenerates the image. */
export function normalizeCondition(model: DiffusionModelInfo, condition: SampleCondition): SampleCondition {
  const { mode, vectorDim, resolution } = model;
  const accepts: Record<DiffusionModelInfo['mode'], SampleCondition['kind'][]> = {
    none: ['none'],
    label: ['none', 'cluster'],
    cluster: ['none', 'cluster'],
    box: ['none', 'cluster', 'boxes'],
    mask: ['none', 'mask'],
  };
  if (!accepts[mode].includes(condition.kind)) {
    throw new ConditionError(
      `model "${model.name}" is trained with ${mode === 'none' ? 'no condition' : `"${mode}" conditioning`}; ` +
        `it takes a condition of kind ${accepts[mode].join(' or ')}, not "${condition.kind}"`,
    );
  }
  const checkCluster = (cluster: number) => {
    if (cluster >= vectorDim) throw new ConditionError(`cluster ${cluster} is out of range: model "${model.name}" knows ${vectorDim} (0 … ${vectorDim - 1})`);
  };
  if (condition.kind === 'cluster') checkCluster(condition.cluster);
  if (condition.kind === 'boxes') condition.boxes.forEach((box) => checkCluster(box.cluster));
  if (condition.kind !== 'mask') return condition;
  const map = decodeSegments(condition);
  return { kind: 'mask', width: resolution, height: resolution, segments: encodeSegments(resizeNearest(map, condition.width, condition.height, resolution)) };
}

/** Model inputs for `count` images under one (normalized) condition; null for unconditional models. */
export function conditionInputs(model: DiffusionModelInfo, condition: SampleCondition, count: number): Condition | null {
  if (model.mode === 'none') return null;
  const { vectorDim, layoutChannels, resolution } = model;
  const plane = resolution * resolution;
  const vector = new Float32Array(vectorDim);
  const layout = layoutChannels > 0 ? new Float32Array(layoutChannels * plane) : null;
  if (condition.kind === 'cluster') {
    vector[condition.cluster] = 1;
    layout?.fill(1); // box model: the whole image is the box
  } else if (condition.kind === 'boxes') {
    for (const box of condition.boxes) {
      vector[box.cluster] = 1;
      forEachPixelInBox(box, resolution, (p) => (layout![p] = 1));
    }
  } else if (condition.kind === 'mask') {
    decodeSegments(condition).forEach((segment, p) => {
      if (segment >= vectorDim) return; // "no segment"
      vector[segment] = 1;
      layout![segment * plane + p] = 1;
    });
  }
  return {
    vector: repeat(vector, count),
    ...(layout ? { layout: repeat(layout, count) } : {}),
  };
}

/** Pixels whose centre lies inside the box (corners as fractions of the image). */
function forEachPixelInBox(box: { x0: number; y0: number; x1: number; y1: number }, size: number, visit: (pixel: number) => void): void {
  for (let row = 0; row < size; row++) {
    const y = (row + 0.5) / size;
    if (y < box.y0 || y >= box.y1) continue;
    for (let col = 0; col < size; col++) {
      const x = (col + 0.5) / size;
      if (x >= box.x0 && x < box.x1) visit(row * size + col);
    }
  }
}

export function decodeSegments(mask: { width: number; height: number; segments: string }): Uint8Array {
  const bytes = Uint8Array.from(Buffer.from(mask.segments, 'base64'));
  if (bytes.length !== mask.width * mask.height) {
    throw new ConditionError(`a ${mask.width}×${mask.height} mask needs ${mask.width * mask.height} segment ids, got ${bytes.length}`);
  }
  return bytes;
}

export function encodeSegments(map: Uint8Array): string {
  return Buffer.from(map).toString('base64');
}

export function resizeNearest(map: Uint8Array, width: number, height: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let row = 0; row < size; row++) {
    const sourceRow = Math.min(height - 1, Math.floor(((row + 0.5) * height) / size));
    for (let col = 0; col < size; col++) {
      out[row * size + col] = map[sourceRow * width + Math.min(width - 1, Math.floor(((col + 0.5) * width) / size))] as number;
    }
  }
  return out;
}

function repeat(values: Float32Array, count: number): Float32Array {
  const out = new Float32Array(values.length * count);
  for (let i = 0; i < count; i++) out.set(values, i * values.length);
  return out;
}
