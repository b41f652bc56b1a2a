// Conditions as model inputs, built as the trainer builds them (trainer/docs/manifest.md), and the PNG
// text chunk that carries a generation's parameters.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { conditionInputs, normalizeCondition } from '../../src/core/sample/condition-input.ts';
import { embedParameters, readParameters } from '../../src/core/sample/generation-png.ts';
import type { DiffusionModelInfo, GenerationParameters } from '../../src/shared/generations.ts';
import { addPngText, readPngText } from '../../src/shared/png-text.ts';

const model = (mode: DiffusionModelInfo['mode'], vectorDim: number, layoutChannels: number): DiffusionModelInfo => ({
  id: 1, name: 'm', sha256: 'x', bytes: 1, preset: 'tiny', resolution: 4, channels: 1, mode, vectorDim, layoutChannels,
  names: [], defaultW: 2, defaultSteps: 50, sourceRunId: null, clusterRunId: null, addedAt: '',
});
const rows = (plane: Float32Array, size = 4) => Array.from({ length: size }, (_, r) => [...plane.subarray(r * size, (r + 1) * size)].join(''));

describe('conditions as model inputs', () => {
  it('cluster: a one-hot vector per image', () => {
    const inputs = conditionInputs(model('cluster', 3, 0), { kind: 'cluster', cluster: 2 }, 2)!;
    expect([...inputs.vector]).toEqual([0, 0, 1, 0, 0, 1]);
    expect(inputs.layout).toBeUndefined();
  });

  it('boxes: pixels whose centre is inside a box, the union of boxes, the multi-hot of their clusters', () => {
    const boxes = [{ x0: 0, y0: 0, x1: 0.5, y1: 0.25, cluster: 0 }, { x0: 0.75, y0: 0.5, x1: 1, y1: 1, cluster: 2 }];
    const inputs = conditionInputs(model('box', 3, 1), { kind: 'boxes', boxes }, 1)!;
    expect([...inputs.vector]).toEqual([1, 0, 1]);
    expect(rows(inputs.layout!)).toEqual(['1100', '0000', '0001', '0001']);
  });

  it('a cluster alone on a box model: the box is the whole image', () => {
    const inputs = conditionInputs(model('box', 3, 1), { kind: 'cluster', cluster: 1 }, 1)!;
    expect(inputs.layout!.every((v) => v === 1)).toBe(true);
  });

  it('mask: one-hot segment channels and the multi-hot of the segments present; 255 is no segment', () => {
    const ids = [0, 0, 2, 2, 0, 0, 2, 2, 255, 255, 2, 2, 255, 255, 2, 2];
    const condition = normalizeCondition(model('mask', 3, 3), { kind: 'mask', width: 4, height: 4, segments: Buffer.from(ids).toString('base64') });
    const inputs = conditionInputs(model('mask', 3, 3), condition, 1)!;
    expect([...inputs.vector]).toEqual([1, 0, 1]);
    expect(rows(inputs.layout!.subarray(0, 16))).toEqual(['1100', '1100', '0000', '0000']);
    expect(inputs.layout!.subarray(16, 32).every((v) => v === 0)).toBe(true);
    expect(rows(inputs.layout!.subarray(32, 48))).toEqual(['0011', '0011', '0011', '0011']);
  });

  it('a painted mask of another size is resized (nearest) to the model resolution and recorded so', () => {
    const ids = Buffer.alloc(8 * 2);
    for (let i = 0; i < 16; i++) ids[i] = i % 8 < 4 ? 1 : 0; // left half 1, 8 wide × 2 high
    const normalized = normalizeCondition(model('mask', 2, 2), { kind: 'mask', width: 8, height: 2, segments: ids.toString('base64') });
    expect(normalized).toMatchObject({ width: 4, height: 4 });
    expect([...Buffer.from((normalized as { segments: string }).segments, 'base64')]).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
  });

  it('the null condition is all zeros; unconditional models take no inputs', () => {
    const inputs = conditionInputs(model('mask', 3, 3), { kind: 'none' }, 2)!;
    expect(inputs.vector.every((v) => v === 0) && inputs.layout!.every((v) => v === 0)).toBe(true);
    expect(conditionInputs(model('none', 0, 0), { kind: 'none' }, 2)).toBeNull();
    expect(() => normalizeCondition(model('none', 0, 0), { kind: 'cluster', cluster: 0 })).toThrow(/no condition.*not "cluster"/);
  });
});

describe('parameters in a PNG text chunk', () => {
  const parameters: GenerationParameters = {
    format: 'selfguide-generation', version: 1, count: 2, seed: 4, w: 1.5, steps: 30, sampler: 'ddim', guidance: 'imagen', spacing: 'uniform',
    condition: { kind: 'boxes', boxes: [{ x0: 0.1, y0: 0.2, x1: 0.3, y1: 0.4, cluster: 5 }] },
    model: { sha256: 'ab'.repeat(32), name: 'modèle ✓', preset: 'tiny', resolution: 32, mode: 'box' }, index: 1,
  };

  it('round-trips through a real PNG, which still decodes to the same pixels', async () => {
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#102030' } }).png().toBuffer();
    const tagged = embedParameters(png, parameters);
    expect(readParameters(tagged)).toEqual(parameters);
    const [before, after] = await Promise.all([png, tagged].map((bytes) => sharp(bytes).raw().toBuffer()));
    expect(after).toEqual(before);
  });

  it('reads tEXt and iTXt chunks written by others and keeps the other chunks in order', async () => {
    const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
    const two = addPngText(addPngText(png, 'Comment', 'first'), 'selfguide', '{"x": "é"}');
    expect(Object.fromEntries(readPngText(two))).toEqual({ Comment: 'first', selfguide: '{"x": "é"}' });
    expect(Buffer.from(two.subarray(two.length - 12)).toString('latin1', 4, 8)).toBe('IEND');
  });

  it('says what is wrong with a file that is not a PNG, a truncated PNG, or one without the chunk', async () => {
    const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
    expect(() => readParameters(Buffer.from('GIF89a'))).toThrow(/not a PNG file/);
    expect(() => readParameters(png.subarray(0, png.length - 20))).toThrow(/truncated/);
    expect(() => readParameters(png)).toThrow(/carries no selfguide parameters/);
  });
});
