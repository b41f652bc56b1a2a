import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFeatures } from '../../src/core/features/extract-job.ts';
import { DIED_ON_IMAGE } from '../../src/core/jobs/died-on-image.ts';
import { featureFilePath } from '../../src/core/features/feature-files.ts';
import { FeatureIndex } from '../../src/core/features/feature-index.ts';
import { normalizationTable, preprocessInto } from '../../src/core/features/preprocess.ts';
import { readFeatures } from '../../src/core/features/reader.ts';
import { fromHalf, toHalf } from '../../src/core/features/float16.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import type { JobContext } from '../../src/core/jobs/job-context.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import type { DecodeMode, ModelInfo } from '../../src/shared/models.ts';
import { pixels } from '../support/images.ts';
import { TINY_VIT } from '../support/models.ts';
import { scanFolders } from '../support/scan.ts';
import { crashJobOnceAt } from '../support/crash-job.ts';
import { photo } from '../support/photo.ts';
import { tempDir } from '../support/temp.ts';

const IMAGES = 14;

/** What ONNX Runtime itself gives for one file, preprocessed on its own (batch of 1). */
async function directCls(model: ModelInfo, file: string): Promise<Float32Array> {
  const pre = model.preprocessing;
  const tensor = new Float32Array(3 * pre.width * pre.height);
  await preprocessInto(await readFile(file), pre, normalizationTable(pre), 1e9, tensor, 0);
  const session = await ort.InferenceSession.create(TINY_VIT);
  const { cls } = await session.run({ pixels: new ort.Tensor('float32', tensor, [1, 3, pre.height, pre.width]) });
  await session.release();
  return cls?.data as Float32Array;
}

function imageIds(project: Project): { id: number; path: string }[] {
  return project.db
    .prepare("SELECT i.id, f.path || '/' || i.rel_path AS path FROM images i JOIN folders f ON f.id = i.folder_id WHERE status = 'ok' ORDER BY i.id")
    .all() as { id: number; path: string }[];
}

/** A job context that runs the handler in this thread and cancels after `batches` progress reports with done > 0. */
function cancellingContext(project: Project, spec: unknown, batches: number): JobContext {
  let reports = 0;
  return {
    jobId: 0,
    project,
    spec,
    isCancelled: () => reports >= batches,
    progress: (update) => {
      if (update.done !== undefined && update.phase === undefined) reports++;
    },
    itemFailed: () => undefined,
    libraryChanged: () => undefined,
  };
}

describe('feature extraction', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  let project: Project;
  let model: ModelInfo;

  beforeAll(async () => {
    mkdirSync(photos);
    for (let i = 0; i < IMAGES; i++) await pixels(40 + i * 7, 30 + i * 3, i + 1).png().toFile(join(photos, `img-${String(i).padStart(2, '0')}.png`));
    project = createProject(join(root, 'project'));
    await scanFolders(project, [photos]);
    model = await importModel(project, { file: TINY_VIT });
    // Corrupt after the scan: the scan saw a good file, extraction finds a truncated one.
    const victim = join(photos, 'img-05.png');
    const bytes = await readFile(victim);
    writeFileSync(victim, bytes.subarray(0, Math.floor(bytes.length / 2)));
  });

  it('stores cls features equal (to float16 precision) to ONNX Runtime run directly, and records a corrupt image', async () => {
    const runner = new JobRunner(project);
    const job = await runner.waitFor(runner.submit('features', { modelId: model.id, batchSize: 4 }).id);
    expect(job.state).toBe('done');
    expect(job.done).toBe(IMAGES);
    expect(job.failedItems).toBe(1);
    expect(job.message).toContain('on cpu');

    const images = imageIds(project);
    const features = readFeatures(project, model.id, images.map((image) => image.id));
    expect(features.shape).toEqual([64]);
    expect(features.found.filter(Boolean)).toHaveLength(IMAGES - 1);
    const failures = new FeatureIndex(project.db, model.id).failures();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error).toMatch(/png/i);
    const corrupt = images.findIndex((image) => image.path.endsWith('img-05.png'));
    expect(failures[0]?.imageId).toBe(images[corrupt]?.id);
    expect(features.found[corrupt]).toBe(false);

    expect(statSync(featureFilePath(project, model.id, 'cls')).size).toBe((IMAGES - 1) * 64 * 2);
    // Any order of ids reads the same rows; features of content that changed since are not served.
    const reversed = readFeatures(project, model.id, images.map((image) => image.id).reverse());
    expect(reversed.data.subarray(0, 64)).toEqual(features.data.subarray((IMAGES - 1) * 64));
    const first = images[0]?.id as number;
    const sha = (project.db.prepare('SELECT sha256 FROM images WHERE id = ?').get(first) as { sha256: string }).sha256;
    project.db.prepare("UPDATE images SET sha256 = 'changed' WHERE id = ?").run(first);
    expect(readFeatures(project, model.id, [first]).found).toEqual([false]);
    project.db.prepare('UPDATE images SET sha256 = ? WHERE id = ?').run(sha, first);
    for (const at of [0, 6, 7, IMAGES - 1].filter((i) => i !== corrupt)) {
      const direct = await directCls(model, images[at]?.path as string);
      const stored = features.data.subarray(at * 64, (at + 1) * 64);
      // Batched vs single inference may differ in the last float32 bits; float16 storage rounds to 11 bits.
      direct.forEach((value, d) => expect(stored[d]).toBeCloseTo(fromHalf(toHalf(value)), 2));
      const maxError = Math.max(...direct.map((value, d) => Math.abs((stored[d] as number) - value) / Math.max(1, Math.abs(value))));
      expect(maxError).toBeLessThan(2e-3);
    }
  });

  it('resumes after a cancel without recomputing, and ends with every image indexed once', async () => {
    const resumed = createProject(join(root, 'resume'));
    await scanFolders(resumed, [photos]);
    const tiny = await importModel(resumed, { file: TINY_VIT });
    const spec = { modelId: tiny.id, batchSize: 3, extraKinds: ['patches'] };
    await runFeatures(cancellingContext(resumed, spec, 2));
    const index = new FeatureIndex(resumed.db, tiny.id);
    const afterCancel = resumed.db.prepare("SELECT count(*) AS n FROM image_features WHERE kind = 'cls'").get() as { n: number };
    expect(afterCancel.n).toBeGreaterThan(0);
    expect(afterCancel.n).toBeLessThan(IMAGES - 1);
    const rowsBefore = index.rows('cls', imageIds(resumed).map((image) => image.id));

    await runFeatures(cancellingContext(resumed, spec, Infinity));
    const ids = imageIds(resumed).map((image) => image.id);
    const rowsAfter = index.rows('cls', ids);
    expect(rowsAfter.size).toBe(IMAGES - 1);
    // Rows committed before the cancel were kept, not recomputed; every row number is used once.
    for (const [id, row] of rowsBefore) expect(rowsAfter.get(id)).toBe(row);
    expect(new Set(rowsAfter.values()).size).toBe(IMAGES - 1);
    expect(index.nextRow('cls')).toBe(IMAGES - 1);

    // The resumed project's features equal the uninterrupted run's, file by file (ids differ between
    // projects; batches of 3 vs 4 may move a value by one float16 step).
    const referenceImages = imageIds(project);
    const byPath = (list: { id: number; path: string }[]) => list.map((image) => image.path).sort();
    const ordered = (p: Project, id: string) => {
      const images = imageIds(p).filter((image) => !image.path.endsWith('img-05.png'));
      images.sort((a, b) => a.path.localeCompare(b.path));
      return readFeatures(p, id, images.map((image) => image.id)).data;
    };
    expect(byPath(imageIds(resumed))).toEqual(byPath(referenceImages.filter((image) => !image.path.endsWith('img-05.png'))));
    const reference = ordered(project, model.id);
    const mine = ordered(resumed, tiny.id);
    expect(mine.length).toBe(reference.length);
    expect(Math.max(...mine.map((value, i) => Math.abs(value - (reference[i] as number))))).toBeLessThanOrEqual(4e-3);
    const patches = readFeatures(resumed, tiny.id, ids, 'patches');
    expect(patches.shape).toEqual([196, 64]);
    expect(patches.found.filter(Boolean)).toHaveLength(IMAGES - 1);
    resumed.close();
  });

  it('with the fast decode, computes every image again and gives features close to the exact ones', async () => {
    const big = join(root, 'big-photos');
    mkdirSync(big);
    for (let i = 0; i < 3; i++) writeFileSync(join(big, `photo-${i}.jpg`), await photo(1600 + 400 * i, 1200, i === 2 ? 6 : undefined));
    const p = createProject(join(root, 'fast'));
    await scanFolders(p, [big]);
    const tiny = await importModel(p, { file: TINY_VIT });
    const ids = imageIds(p).map((image) => image.id);
    const run = (decode: DecodeMode) => runFeatures(cancellingContext(p, { modelId: tiny.id, decode }, Infinity));
    await run('exact');
    const exact = readFeatures(p, tiny.id, ids);
    await run('fast');
    const fast = readFeatures(p, tiny.id, ids);
    expect(new FeatureIndex(p.db, tiny.id, 'fast').countPending(['cls'])).toBe(0);
    expect(new FeatureIndex(p.db, tiny.id, 'exact').countPending(['cls'])).toBe(3);
    const dim = exact.shape[0] as number;
    for (let i = 0; i < ids.length; i++) {
      const a = exact.data.subarray(i * dim, (i + 1) * dim);
      const b = fast.data.subarray(i * dim, (i + 1) * dim);
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let j = 0; j < dim; j++) {
        dot += (a[j] as number) * (b[j] as number);
        na += (a[j] as number) ** 2;
        nb += (b[j] as number) ** 2;
      }
      expect(dot / Math.sqrt(na * nb), `image ${i}`).toBeGreaterThan(0.99);
      expect([...a]).not.toEqual([...b]);
    }
    p.close();
  });

  describe('after its process died mid-batch (images left in flight)', () => {
    /** A fresh project over the photos, with `count` of its images left marked in flight as a dead process would. */
    async function leftInFlight(name: string, count: number) {
      const p = createProject(join(root, name));
      await scanFolders(p, [photos]);
      const tiny = await importModel(p, { file: TINY_VIT });
      const ids = imageIds(p).filter((image) => !image.path.endsWith('img-05.png')).map((image) => image.id);
      const index = new FeatureIndex(p.db, tiny.id);
      index.markInFlight(ids.slice(4, 4 + count));
      return { p, tiny, ids, index, suspects: ids.slice(4, 4 + count) };
    }

    /** Runs the job in this thread; returns the `done` of each progress report. */
    async function run(p: Project, modelId: string): Promise<number[]> {
      const steps: number[] = [];
      const context = cancellingContext(p, { modelId, batchSize: 4 }, Infinity);
      const progress = context.progress;
      context.progress = (update) => {
        if (update.done !== undefined && update.phase === undefined) steps.push(update.done);
        progress(update);
      };
      await runFeatures(context);
      return steps;
    }

    it('takes several suspects one at a time, then goes on in batches; all get features', async () => {
      const { p, tiny, ids, index, suspects } = await leftInFlight('suspects', 3);
      const steps = await run(p, tiny.id);
      // Three images alone (done 1, 2, 3), then the other 10 in batches of 4 (img-05 is broken in this scan).
      expect(steps).toEqual([1, 2, 3, 7, 11, 13]);
      expect(index.inFlight()).toEqual([]);
      expect(readFeatures(p, tiny.id, ids).found.every(Boolean)).toBe(true);
      expect(index.failures()).toEqual([]);
      expect(suspects).toHaveLength(3);
      p.close();
    });

    it('records the one image a process died on alone as failed, finishes the rest, and tries it again next time', async () => {
      const { p, tiny, ids, index, suspects } = await leftInFlight('culprit', 1);
      await run(p, tiny.id);
      const culprit = suspects[0] as number;
      expect(index.failures().find((failure) => failure.imageId === culprit)?.error).toBe(DIED_ON_IMAGE);
      expect(index.inFlight()).toEqual([]);
      const found = readFeatures(p, tiny.id, ids).found;
      expect(ids.filter((_, i) => !found[i])).toEqual([culprit]);

      // It was a kill, not a bad file: the next run gives it its features.
      await run(p, tiny.id);
      expect(readFeatures(p, tiny.id, ids).found.every(Boolean)).toBe(true);
      expect(index.failures().some((failure) => failure.imageId === culprit)).toBe(false);
      p.close();
    });

    it('a features job whose process crashes mid-run restarts by itself and ends with every image', async () => {
      const { p, tiny, ids, index } = await leftInFlight('crash', 0);
      const runner = new JobRunner(p);
      // Batches of 5, 5 and 3: whenever the crash lands, more than one image is in flight.
      const job = runner.submit('features', { modelId: tiny.id, batchSize: 5 });
      const crash = crashJobOnceAt(runner, job.id, 5);
      const finished = await runner.waitFor(job.id);
      expect(crash.crashed()).toBe(true);
      expect(finished.state).toBe('done');
      expect(index.inFlight()).toEqual([]);
      expect(readFeatures(p, tiny.id, ids).found.every(Boolean)).toBe(true);
      expect(index.failures()).toEqual([]); // the batches in flight at the crash were taken again, alone, and passed
      p.close();
    });
  });
});
