// The sample job end to end on tiny random-weight models exported by the real trainer: registry,
// generations through the API and the job worker, PNGs with their parameters, reproducibility, cancel
// and resume, box and mask conditions, the server's generation files, and API validation.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiFailure, createService, type Service } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { sha256File } from '../../src/core/models/sha256-file.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { DiffusionModelStore, registerDiffusionModel } from '../../src/core/sample/diffusion-registry.ts';
import { readParameters } from '../../src/core/sample/generation-png.ts';
import { generationFile } from '../../src/core/sample/generation-store.ts';
import { MaskStore, maskFile } from '../../src/core/labels/mask-store.ts';
import { encodeSegmentPng } from '../../src/core/labels/segment-png.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { maskConditionFromPng } from '../../src/core/sample/mask-png.ts';
import { type RunningServer, startServer } from '../../src/server/server.ts';
import type { Output } from '../../src/shared/api.ts';
import type { DiffusionModelInfo, Generation, SampleSettings } from '../../src/shared/generations.ts';
import { exportTinyDiffusionModels } from '../support/diffusion-models.ts';
import { TINY_VIT } from '../support/models.ts';
import { scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

describe('the sample job', () => {
  const root = tempDir('selfguide-sample-job-');
  let exports: Record<'label' | 'box' | 'mask', string>;
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let label: DiffusionModelInfo;

  const call = <T,>(method: string, input: unknown) => service.dispatch(method, input) as Promise<T>;
  const failure = (method: string, input: unknown) => service.dispatch(method, input).then(() => null, (error: unknown) => error as ApiFailure);

  async function generateAndWait(settings: Partial<SampleSettings> & { modelId: number }): Promise<Generation> {
    const request = { count: 3, seed: 1, w: 2, steps: 8, sampler: 'ddim', condition: { kind: 'cluster', cluster: 3 }, ...settings };
    const { generation, job } = await call<Output<'generate.start'>>('generate.start', request);
    const final = await runner.waitFor(job.id);
    expect(final.state, final.error ?? '').toBe('done');
    return call<Generation>('generations.get', { id: generation.id });
  }
  const imageBytes = (generation: Generation, index: number) => readFileSync(join(project.root, generationFile(generation.id, index)));

  beforeAll(async () => {
    exports = await exportTinyDiffusionModels(join(root, 'models'), ['label', 'box', 'mask']);
    project = createProject(join(root, 'project'));
    runner = new JobRunner(project);
    service = createService(project, runner);
    label = await call<DiffusionModelInfo>('diffusionModels.import', { path: exports.label });
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    project?.close();
  });

  describe('registry', () => {
    it('imports a model folder with what model.json says and the ONNX file hash', async () => {
      expect(label).toMatchObject({ mode: 'label', resolution: 16, channels: 1, vectorDim: 10, layoutChannels: 0, preset: 'tiny', name: 'export' });
      expect(label.names).toContain('Ankle boot');
      expect(label.sha256).toBe(await sha256File(join(exports.label, 'model.onnx')));
      const dir = new DiffusionModelStore(project).dir(label.id);
      expect(readFileSync(join(dir, 'model.onnx')).equals(readFileSync(join(exports.label, 'model.onnx')))).toBe(true);
    });

    it('refuses a folder that is not a model, and changes nothing', async () => {
      const error = await failure('diffusionModels.import', { path: join(root, 'models', 'box') });
      expect(error?.code).toBe('bad_request');
      expect(error?.message).toMatch(/model\.json is missing.*selfguide_trainer export/);
      expect(await call<DiffusionModelInfo[]>('diffusionModels.list', {})).toHaveLength(1);
    });

    it('takes absolute paths only over the API, for diffusion and feature models alike (a relative one meant the server\'s directory)', async () => {
      const diffusion = await failure('diffusionModels.import', { path: 'models/label' });
      expect(diffusion).toMatchObject({ code: 'bad_request', message: 'The model folder must be an absolute path (got "models/label").' });
      const features = await failure('models.import', { path: 'vit.onnx' });
      expect(features).toMatchObject({ code: 'bad_request', message: 'The model file must be an absolute path (got "vit.onnx").' });
      expect(await call<DiffusionModelInfo[]>('diffusionModels.list', {})).toHaveLength(1);
    });

    it('registerDiffusionModel records the training run and the clustering run it came from; remove deletes the copy', async () => {
      const error = await registerDiffusionModel(project, exports.box, { clusterRunId: 42 }).catch((e: unknown) => e as Error);
      expect(String(error)).toMatch(/No clustering run #42/);
      const model = await registerDiffusionModel(project, exports.box, { sourceRunId: 7, name: 'boxes' });
      expect(model).toMatchObject({ sourceRunId: 7, clusterRunId: null, name: 'boxes', mode: 'box', layoutChannels: 1, names: ['red', 'green', 'blue'] });
      const dir = new DiffusionModelStore(project).dir(model.id);
      expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
      expect(await call<DiffusionModelInfo>('diffusionModels.remove', { id: model.id })).toMatchObject({ id: model.id });
      expect(existsSync(dir)).toBe(false);
      expect((await failure('diffusionModels.remove', { id: model.id }))?.code).toBe('not_found');
    });
  });

  describe('generations', () => {
    let first: Generation;

    beforeAll(async () => {
      first = await generateAndWait({ modelId: label.id });
    }, 60_000);

    it('writes every image as a PNG of the model size with all parameters embedded', async () => {
      expect(first).toMatchObject({ state: 'done', images: 3, randomSeed: false, modelId: label.id });
      for (let index = 0; index < 3; index++) {
        const bytes = imageBytes(first, index);
        const { width, height, channels } = await sharp(bytes).metadata();
        expect([width, height, channels]).toEqual([16, 16, 1]);
        expect(readParameters(bytes)).toEqual({
          format: 'selfguide-generation',
          version: 1,
          model: { sha256: label.sha256, name: 'export', preset: 'tiny', resolution: 16, mode: 'label' },
          count: 3,
          seed: 1,
          w: 2,
          guidance: 'imagen',
          steps: 8,
          sampler: 'ddim',
          spacing: 'uniform',
          condition: { kind: 'cluster', cluster: 3 },
          index,
        });
      }
    });

    it('the same seed gives byte-identical PNGs; another seed, a condition or w give other images', async () => {
      const again = await generateAndWait({ modelId: label.id });
      const others = await Promise.all([{ seed: 2 }, { condition: { kind: 'cluster' as const, cluster: 8 } }, { w: 0 }].map((change) => generateAndWait({ modelId: label.id, ...change })));
      for (let index = 0; index < 3; index++) {
        expect(imageBytes(again, index).equals(imageBytes(first, index))).toBe(true);
        for (const other of others) expect(imageBytes(other, index).equals(imageBytes(first, index))).toBe(false);
      }
    }, 60_000);

    it('a random seed is drawn once, recorded, and regenerates the same images', async () => {
      const random = await generateAndWait({ modelId: label.id, seed: null, count: 2 });
      expect(random.randomSeed).toBe(true);
      expect(Number.isInteger(random.parameters.seed)).toBe(true);
      const replay = await generateAndWait({ modelId: label.id, seed: random.parameters.seed, count: 2 });
      expect(imageBytes(replay, 1).equals(imageBytes(random, 1))).toBe(true);
    }, 60_000);

    it('image i does not depend on the batch it was made in (chunks of 8; noise slice i of the seed)', async () => {
      const ten = await generateAndWait({ modelId: label.id, count: 10 });
      expect(ten.images).toBe(10);
      const [a, b] = await Promise.all([imageBytes(ten, 2), imageBytes(first, 2)].map((png) => sharp(png).raw().toBuffer()));
      expect(Math.max(...a!.map((v, i) => Math.abs(v - (b![i] as number))))).toBeLessThanOrEqual(1);
    }, 60_000);

    it('leaves a predicted-x0 preview of the batch and its step', () => {
      expect(first.previewStep).toBe(8);
      const preview = readFileSync(join(project.root, generationFile(first.id, 'preview')));
      return expect(sharp(preview).metadata()).resolves.toMatchObject({ width: 48, height: 16 });
    });

    it('lists the history newest first and reads parameters back from a project image, a file path or chunk text', async () => {
      const history = await call<Generation[]>('generations.list', { limit: 3 });
      expect(history).toHaveLength(3);
      expect(history[0]!.id).toBeGreaterThan(history[1]!.id);
      const fromProject = await call('generate.paramsFromPng', { generationId: first.id, index: 2 });
      const fromPath = await call('generate.paramsFromPng', { path: join(project.root, generationFile(first.id, 2)) });
      expect(fromProject).toEqual(fromPath);
      expect(fromPath).toMatchObject({ seed: 1, index: 2 });
      const text = JSON.stringify(fromPath);
      expect(await call('generate.paramsFromPng', { text })).toEqual(fromPath);
    });

    it('cancel stops between steps; resuming the job finishes the same images', async () => {
      const request = { modelId: label.id, count: 1, seed: 5, w: 2, steps: 200, sampler: 'ddim', condition: { kind: 'cluster', cluster: 1 } };
      const { generation, job } = await call<Output<'generate.start'>>('generate.start', request);
      const stepped = new Promise<void>((resolve) => {
        const listener = (event: { type: string; job?: { id: number; done: number } }) => {
          if (event.type === 'job' && event.job?.id === job.id && event.job.done > 0) {
            runner.events.off('event', listener);
            resolve();
          }
        };
        runner.events.on('event', listener);
      });
      await stepped;
      runner.cancel(job.id);
      const cancelled = await runner.waitFor(job.id);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.done).toBeLessThan(200);
      expect(await call<Generation>('generations.get', { id: generation.id })).toMatchObject({ state: 'cancelled', images: 0 });

      runner.resume(job.id);
      const finished = await runner.waitFor(job.id);
      expect(finished.state).toBe('done');
      expect(finished.message).toMatch(/1 image\(s\) on cpu in /); // the probed provider (CPU on this machine)
      const resumed = await call<Generation>('generations.get', { id: generation.id });
      expect(resumed).toMatchObject({ state: 'done', images: 1 });
      const straight = await generateAndWait(request as never);
      expect(imageBytes(resumed, 0).equals(imageBytes(straight, 0))).toBe(true);
    }, 120_000);

    it('DPM-Solver++(2M) generations use the log-SNR spacing unless told otherwise, and record it', async () => {
      const logsnr = await generateAndWait({ modelId: label.id, sampler: 'dpmpp-2m', steps: 5 });
      expect(readParameters(imageBytes(logsnr, 0))).toMatchObject({ sampler: 'dpmpp-2m', spacing: 'logsnr', steps: 5 });
      const uniform = await generateAndWait({ modelId: label.id, sampler: 'dpmpp-2m', spacing: 'uniform', steps: 5 });
      expect(readParameters(imageBytes(uniform, 0))).toMatchObject({ sampler: 'dpmpp-2m', spacing: 'uniform' });
      expect(imageBytes(uniform, 0).equals(imageBytes(logsnr, 0))).toBe(false);
      expect(uniform.previewStep).toBe(5);
    }, 60_000);

    it('deletes a finished generation with its PNGs; a running one only after a cancel', async () => {
      const done = await generateAndWait({ modelId: label.id, count: 2 });
      const folder = join(project.root, 'generations', String(done.id));
      expect(existsSync(join(project.root, generationFile(done.id, 1)))).toBe(true);
      expect(await call<Generation>('generations.remove', { id: done.id })).toMatchObject({ id: done.id, state: 'done' });
      expect(existsSync(folder)).toBe(false);
      expect((await call<Generation[]>('generations.list', {})).map((g) => g.id)).not.toContain(done.id);
      await expect(call('generations.get', { id: done.id })).rejects.toMatchObject({ code: 'not_found' });

      const { generation, job } = await call<Output<'generate.start'>>('generate.start', { modelId: label.id, count: 1, seed: 1, w: 2, steps: 400, sampler: 'ddim', condition: { kind: 'cluster', cluster: 1 } });
      await expect(call('generations.remove', { id: generation.id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('cancel it before deleting it') });
      runner.cancel(job.id);
      await runner.waitFor(job.id);
      await call('generations.remove', { id: generation.id });
      expect(existsSync(join(project.root, 'generations', String(generation.id)))).toBe(false);
    }, 60_000);
  });

  describe('layouts', () => {
    it('a box model follows box layouts: the box changes the image, and the layout is recorded', async () => {
      const model = await call<DiffusionModelInfo>('diffusionModels.import', { path: exports.box });
      const left = await generateAndWait({ modelId: model.id, count: 1, condition: { kind: 'boxes', boxes: [{ x0: 0, y0: 0, x1: 0.5, y1: 1, cluster: 1 }] } });
      const right = await generateAndWait({ modelId: model.id, count: 1, condition: { kind: 'boxes', boxes: [{ x0: 0.5, y0: 0, x1: 1, y1: 1, cluster: 1 }] } });
      expect(imageBytes(left, 0).equals(imageBytes(right, 0))).toBe(false);
      expect(readParameters(imageBytes(right, 0)).condition).toEqual({ kind: 'boxes', boxes: [{ x0: 0.5, y0: 0, x1: 1, y1: 1, cluster: 1 }] });
      expect((await sharp(imageBytes(left, 0)).metadata()).channels).toBe(3);
    }, 60_000);

    it('a mask model takes a grey segment-id PNG, recorded at the model resolution', async () => {
      const model = await call<DiffusionModelInfo>('diffusionModels.import', { path: exports.mask });
      const ids = Buffer.alloc(32 * 32);
      for (let i = 0; i < ids.length; i++) ids[i] = i % 32 < 16 ? 0 : 2;
      const condition = await maskConditionFromPng(await sharp(ids, { raw: { width: 32, height: 32, channels: 1 } }).toColourspace('b-w').png().toBuffer());
      const generation = await generateAndWait({ modelId: model.id, count: 1, condition });
      const recorded = readParameters(imageBytes(generation, 0)).condition;
      expect(recorded).toMatchObject({ kind: 'mask', width: 16, height: 16 });
      const map = Buffer.from((recorded as { segments: string }).segments, 'base64');
      expect([...map.subarray(0, 16)]).toEqual([...Array(8).fill(0), ...Array(8).fill(2)]);
    }, 60_000);

    it('a mask model takes the stored segment map of a project image (maskOf), resized to the model', async () => {
      const photos = join(root, 'photos');
      mkdirSync(photos, { recursive: true });
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(join(photos, 'a.png'));
      await scanFolders(project, [photos]);
      const { id: imageId } = project.db.prepare('SELECT id FROM images').get() as { id: number };
      const encoder = await importModel(project, { file: TINY_VIT, sidecar: null, id: null });
      const masks = new MaskStore(project.db);
      const run = masks.create(encoder.id, 4, { seed: 0, restarts: 1, iterations: 1, maxTokens: 1 });
      const ids = Uint8Array.from({ length: 64 }, (_, p) => (Math.floor(p / 8) < 4 ? 3 : 1)); // top half 3, bottom half 1
      const file = maskFile(run.id, imageId);
      mkdirSync(join(project.root, file, '..'), { recursive: true });
      writeFileSync(join(project.root, file), await encodeSegmentPng(ids, 8, 8));
      masks.saveMask(run.id, imageId, { file, width: 8, height: 8, histogram: [0, 32, 0, 32] });

      const model = (await call<DiffusionModelInfo[]>('diffusionModels.list', {})).find((m) => m.mode === 'mask')!;
      const request = { modelId: model.id, count: 1, seed: 0, w: 2, steps: 3, sampler: 'ddim' };
      const { job, generation } = await call<Output<'generate.start'>>('generate.start', { ...request, maskOf: { runId: run.id, imageId } });
      expect((await runner.waitFor(job.id)).state).toBe('done');
      const recorded = (await call<Generation>('generations.get', { id: generation.id })).parameters.condition as { segments: string; width: number };
      expect(recorded.width).toBe(16);
      const map = Buffer.from(recorded.segments, 'base64');
      expect([map[0], map[7 * 16], map[8 * 16], map[255]]).toEqual([3, 3, 1, 1]);
      const missing = await failure('generate.start', { ...request, maskOf: { runId: run.id, imageId: imageId + 99 } });
      expect(missing?.message).toMatch(/has no segment map in mask run/);
      expect((await failure('generate.start', { ...request, maskOf: { runId: run.id, imageId }, condition: { kind: 'none' } }))?.message).toMatch(/either condition or maskOf/);
    }, 60_000);
  });

  describe('API validation', () => {
    const start = (change: object) => failure('generate.start', { modelId: label.id, count: 1, seed: 0, w: 2, steps: 4, sampler: 'ddim', condition: { kind: 'cluster', cluster: 0 }, ...change });

    it.each([
      ['a cluster out of range', { condition: { kind: 'cluster', cluster: 10 } }, 'bad_request', /cluster 10 is out of range.*knows 10/],
      ['boxes on an image-level model', { condition: { kind: 'boxes', boxes: [{ x0: 0, y0: 0, x1: 1, y1: 1, cluster: 0 }] } }, 'bad_request', /"label" conditioning.*none or cluster, not "boxes"/],
      ['an empty box', { condition: { kind: 'boxes', boxes: [{ x0: 0.5, y0: 0, x1: 0.5, y1: 1, cluster: 0 }] } }, 'bad_request', /x0 < x1/],
      ['a mask of the wrong size', { condition: { kind: 'mask', width: 4, height: 4, segments: 'AAAA' } }, 'bad_request', /"label" conditioning/],
      ['no images', { count: 0 }, 'bad_request', /count/],
      ['an unknown sampler', { sampler: 'euler' }, 'bad_request', /sampler/],
      ['an unknown model', { modelId: 999 }, 'not_found', /No diffusion model #999/],
    ])('refuses %s', async (_, change, code, message) => {
      const error = await start(change);
      expect(error?.code).toBe(code);
      expect(error?.message).toMatch(message);
    });

    it('refuses PNGs without parameters, files that are not PNG, and missing files, saying why', async () => {
      const plain = join(root, 'plain.png');
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toFile(plain);
      expect((await failure('generate.paramsFromPng', { path: plain }))?.message).toMatch(/carries no selfguide parameters/);
      expect((await failure('generate.paramsFromPng', { path: join(exports.label, 'model.json') }))?.message).toMatch(/not a PNG file/);
      expect((await failure('generate.paramsFromPng', { path: join(root, 'nope.png') }))?.message).toMatch(/does not exist/);
      expect((await failure('generate.paramsFromPng', { text: '{"seed": 1}' }))?.message).toMatch(/not a selfguide generation record/);
      expect((await failure('generate.paramsFromPng', { text: 'x', path: plain }))?.message).toMatch(/exactly one of/);
    });
  });

  describe('served files', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(service);
    });
    afterAll(() => server?.close());
    const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { 'x-selfguide-token': server.token } });

    it('serves a registered generation image and its preview, nothing else', async () => {
      const [generation] = await call<Generation[]>('generations.list', { limit: 1 });
      const image = await get(`/files/generation/${generation!.id}/0`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await image.arrayBuffer()).equals(imageBytes(generation!, 0))).toBe(true);
      expect((await get(`/files/generation/${generation!.id}/preview`)).status).toBe(200);
      for (const path of [`/files/generation/${generation!.id}/${generation!.images}`, '/files/generation/9999/0', '/files/generation/1/..%2F..%2Fproject.sqlite', '/files/generation/1/0.png']) {
        expect((await get(path)).status, path).toBe(404);
      }
      expect((await fetch(`http://127.0.0.1:${server.port}/files/generation/${generation!.id}/0`)).status).toBe(401);
    });
  });
});
