// The TypeScript sampler over ONNX Runtime against the trainer's PyTorch reference sampler (SPEC §6):
// same random-weight tiny model, same initial noise and conditions, DDIM 10 steps, w ∈ {0, 1, 2}.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiffusionModel, loadDiffusionModel } from '../../src/core/sample/diffusion-model.ts';
import { generate } from '../../src/core/sample/generate.ts';
import { DiffusionModelError } from '../../src/core/sample/model-spec.ts';
import { gaussianNoise } from '../../src/core/sample/noise.ts';
import { readNpy, writeNpy } from '../support/npy.ts';
import { tempDir } from '../support/temp.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const FIXTURE_SCRIPT = fileURLToPath(new URL('../support/diffusion_fixture.py', import.meta.url));
const STEPS = 10;
const WEIGHTS = [0, 1, 2];
const CLASSES = [0, 3, 7]; // one image per class: Fashion-MNIST labels, one-hot over 10
const SHAPE = [CLASSES.length, 1, 16, 16];

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);

describe('sampler parity with the trainer', () => {
  const dir = tempDir('selfguide-sample-');
  const noise = gaussianNoise(7, SHAPE.reduce((a, b) => a * b, 1));
  const vector = new Float32Array(CLASSES.length * 10);
  CLASSES.forEach((label, i) => (vector[i * 10 + label] = 1));
  let model: DiffusionModel;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) {
      throw new Error(`The trainer's Python environment is missing (${PYTHON}): run \`bash scripts/setup.sh --test\``);
    }
    writeNpy(join(dir, 'noise.npy'), noise, SHAPE);
    writeNpy(join(dir, 'vector.npy'), vector, [CLASSES.length, 10]);
    await promisify(execFile)(PYTHON, [FIXTURE_SCRIPT, dir, String(STEPS), ...WEIGHTS.map(String)], {
      cwd: ROOT,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    model = await loadDiffusionModel(join(dir, 'export'));
  }, 180_000);

  afterAll(() => model?.close());

  it('reads the exported model.json', () => {
    expect(model.spec.resolution).toBe(16);
    expect(model.conditional && !model.spatial).toBe(true);
    expect(model.spec.conditioning.vector_dim).toBe(10);
  });

  it.each(WEIGHTS)('DDIM at w = %s gives the same images as the PyTorch sampler (max abs diff ≤ 1e-3)', async (w) => {
    const reference = readNpy(join(dir, `torch_w${w}.npy`));
    expect(reference.shape).toEqual(SHAPE);
    // a real comparison: the random-weight model leaves many pixels inside (−1, 1), not all clipped
    expect(reference.data.filter((v) => Math.abs(v) < 0.99).length).toBeGreaterThan(reference.data.length / 4);
    const ours = await generate(model, { count: CLASSES.length, steps: STEPS, w, noise, condition: { vector } });
    expect(maxAbsDiff(ours, reference.data)).toBeLessThanOrEqual(1e-3);
  });

  it('the condition matters, so parity at w = 2 tests the guided combination', () => {
    const [unconditional, guided] = [0, 2].map((w) => readNpy(join(dir, `torch_w${w}.npy`)).data);
    expect(maxAbsDiff(unconditional!, guided!)).toBeGreaterThan(0.1);
  });

  it('a seed gives the same images every time, another seed other images', async () => {
    const sample = (seed: number) => generate(model, { count: CLASSES.length, steps: 3, w: 2, seed, condition: { vector } });
    const [a, b, c] = await Promise.all([sample(5), sample(5), sample(6)]);
    expect(a).toEqual(b);
    expect(maxAbsDiff(a!, c!)).toBeGreaterThan(0.1);
  });

  it('DPM-Solver++(2M) runs on the same model and stays in [−1, 1]', async () => {
    const out = await generate(model, { count: CLASSES.length, steps: STEPS, w: 2, noise, condition: { vector }, sampler: 'dpmpp-2m' });
    expect(out.length).toBe(noise.length);
    expect(out.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  describe('a wrong or incomplete model folder is refused with a clear message', () => {
    const exported = () => join(dir, 'export');
    const folder = (name: string, files: Record<string, string | null>) => {
      const path = join(dir, name);
      mkdirSync(path);
      for (const [file, text] of Object.entries(files)) {
        if (text === null) copyFileSync(join(exported(), file), join(path, file));
        else writeFileSync(join(path, file), text);
      }
      return path;
    };

    it('without model.json', async () => {
      const path = folder('no-json', { 'model.onnx': null });
      await expect(loadDiffusionModel(path)).rejects.toThrow(/model\.json is missing.*selfguide_trainer export/);
    });

    it('without model.onnx', async () => {
      const path = folder('no-onnx', { 'model.json': null });
      await expect(loadDiffusionModel(path)).rejects.toThrow(/model\.onnx is missing/);
    });

    it('with a model.json that is not ours', async () => {
      const meta = JSON.parse(readFileSync(join(exported(), 'model.json'), 'utf8'));
      const path = folder('bad-json', { 'model.json': JSON.stringify({ ...meta, format: 'other', channels: 0 }), 'model.onnx': null });
      const error = await loadDiffusionModel(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiffusionModelError);
      expect(String(error)).toMatch(/not a selfguide diffusion model[\s\S]*format[\s\S]*channels/);
    });

    it('with a model.json that does not describe the ONNX file', async () => {
      const meta = JSON.parse(readFileSync(join(exported(), 'model.json'), 'utf8'));
      const unconditional = { ...meta, conditioning: { ...meta.conditioning, mode: 'none', vector_dim: 0 } };
      const path = folder('mismatch', { 'model.json': JSON.stringify(unconditional), 'model.onnx': null });
      await expect(loadDiffusionModel(path)).rejects.toThrow(/inputs \[x_t, t, cond\].*needs inputs \[x_t, t\]/);
    });

    it('with a file that is not ONNX', async () => {
      const path = folder('garbage', { 'model.json': null, 'model.onnx': 'not a model' });
      await expect(loadDiffusionModel(path)).rejects.toThrow(/model\.onnx is not a loadable ONNX model/);
    });
  });
});
