import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/core/api/service.ts';
import { normalizationTable, preprocessInto } from '../../src/core/features/preprocess.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { DIED_ON_IMAGE } from '../../src/core/jobs/died-on-image.ts';
import { BoxInFlight } from '../../src/core/labels/box-inflight.ts';
import { runBoxes } from '../../src/core/labels/box-job.ts';
import { BoxStore } from '../../src/core/labels/box-store.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { openSession } from '../../src/core/models/onnx-session.ts';
import { ort } from '../../src/core/models/runtime.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import type { BoxRun, ImageBox } from '../../src/shared/boxes.ts';
import type { ClusterRun } from '../../src/shared/clusters.ts';
import type { ModelInfo } from '../../src/shared/models.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { inlineContext } from '../support/inline-context.ts';
import { TINY_VIT } from '../support/models.ts';
import { type PlantedImage, writePlanted } from '../support/planted-objects.ts';
import { scanFolders } from '../support/scan.ts';
import { crashJobOnceAt } from '../support/crash-job.ts';
import { tempDir } from '../support/temp.ts';

// The random-weight ViT fixture (patch 16, input 224) separates a flat background from a bright square
// well enough for LOST: background keys correlate with each other, the square's with few patches. The
// box is found on the patch grid of the scaled input, so each edge may lie up to one patch (mapped back to
// original pixels) outside the square, never inside it.
const MAX_SIDE = 640;
const IMAGES: (PlantedImage & { scale: number })[] = [
  { name: 'a.png', width: 320, height: 240, object: [160, 96, 224, 160], scale: 1 },
  { name: 'b.png', width: 256, height: 256, object: [32, 32, 80, 80], scale: 1 },
  // not a multiple of 16 high: padded at the bottom
  { name: 'c.png', width: 400, height: 300, object: [48, 200, 112, 264], scale: 1 },
  // longer side 1280 > 640: LOST runs at half size, the box is scaled back ×2
  { name: 'd-large.png', width: 1280, height: 960, object: [640, 320, 768, 448], scale: 0.5 },
  // longer side 56 < 224 (the model's input): upsampled ×4
  { name: 'e-tiny.png', width: 56, height: 42, object: [16, 12, 32, 28], scale: 4 },
];
const BROKEN = 'f-broken.png';

function expectBoxAround(box: readonly number[] | null, image: (typeof IMAGES)[number]): void {
  expect(box).not.toBeNull();
  const [x0, y0, x1, y1] = box as [number, number, number, number];
  const [ox0, oy0, ox1, oy1] = image.object;
  const slack = Math.ceil(16 / image.scale);
  expect(x0).toBeLessThanOrEqual(ox0);
  expect(y0).toBeLessThanOrEqual(oy0);
  expect(x1).toBeGreaterThanOrEqual(ox1);
  expect(y1).toBeGreaterThanOrEqual(oy1);
  expect(ox0 - x0).toBeLessThan(slack);
  expect(oy0 - y0).toBeLessThan(slack);
  expect(x1 - ox1).toBeLessThan(slack);
  expect(y1 - oy1).toBeLessThan(slack);
}

/** The crop's cluster computed another way: sharp cuts the crop, the features' preprocessing, a plain JS nearest centroid. */
async function referenceCluster(project: Project, model: ModelInfo, clusterRun: ClusterRun, file: string, box: readonly number[]): Promise<{ cluster: number; distance: number }> {
  const [x0, y0, x1, y1] = box as [number, number, number, number];
  const crop = await sharp(file).extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 }).png().toBuffer();
  const pre = model.preprocessing;
  const input = new Float32Array(3 * pre.width * pre.height);
  await preprocessInto(crop, pre, normalizationTable(pre), 1e9, input, 0);
  const session = await openSession(TINY_VIT, 'cpu');
  const cls = (await session.run({ pixels: new ort.Tensor('float32', input, [1, 3, pre.height, pre.width]) })).cls?.data as Float32Array;
  await session.release();
  const norm = Math.hypot(...cls);
  const bytes = readFileSync(join(project.root, clusterRun.centroidFile as string));
  const centroids = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let best = { cluster: -1, distance: Infinity };
  for (let c = 0; c < clusterRun.k; c++) {
    let distance = 0;
    for (let j = 0; j < cls.length; j++) distance += ((cls[j] as number) / norm - (centroids[c * cls.length + j] as number)) ** 2;
    if (distance < best.distance) best = { cluster: c, distance };
  }
  return best;
}

describe('LOST boxes job', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let model: ModelInfo;
  let clusterRun: ClusterRun;
  let run: BoxRun;
  let job: Job;
  const imageId = new Map<string, number>();

  beforeAll(async () => {
    mkdirSync(photos);
    for (const image of IMAGES) await writePlanted(image, join(photos, image.name));
    await writePlanted({ name: BROKEN, width: 64, height: 64, object: [0, 0, 16, 16] }, join(photos, BROKEN));
    project = createProject(join(root, 'project'));
    await scanFolders(project, [photos]);
    // Damaged after the scan registered it as ok: the boxes job finds out when it decodes it.
    writeFileSync(join(photos, BROKEN), readFileSync(join(photos, BROKEN)).subarray(0, 60));
    for (const row of project.db.prepare('SELECT id, rel_path FROM images').all() as { id: number; rel_path: string }[]) imageId.set(row.rel_path, row.id);
    model = await importModel(project, { file: TINY_VIT });
    runner = new JobRunner(project);
    service = createService(project, runner);
    expect((await runner.waitFor(runner.submit('features', { modelId: model.id, batchSize: 8 }).id)).state).toBe('done');
    const clustering = (await service.dispatch('clusters.start', { k: 2, seed: 3, restarts: 1 })) as { run: ClusterRun; job: Job };
    expect((await runner.waitFor(clustering.job.id)).state).toBe('done');
    clusterRun = (await service.dispatch('clusters.runs', {}) as ClusterRun[])[0] as ClusterRun;
    ({ run, job } = (await service.dispatch('boxes.start', { clusterRunId: clusterRun.id, maxSide: MAX_SIDE })) as { run: BoxRun; job: Job });
    job = await runner.waitFor(job.id);
  }, 120_000);
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  it('records the run with the clustering run, its model, the size cap and the model input size as minimum', () => {
    expect(run).toMatchObject({ modelId: model.id, clusterRunId: clusterRun.id, maxSide: MAX_SIDE, minSide: 224 });
    expect(job).toMatchObject({ state: 'done', done: IMAGES.length + 1, total: IMAGES.length + 1, failedItems: 1 });
  });

  it('boxes each planted square, mapped back to original pixels through scaling and padding', async () => {
    for (const image of IMAGES) {
      const result = (await service.dispatch('boxes.get', { runId: run.id, imageId: imageId.get(image.name) })) as ImageBox;
      expect(result).toMatchObject({ width: image.width, height: image.height, error: null, decision: null, effective: { status: 'pending' } });
      expectBoxAround(result.computed?.box ?? null, image);
      expect(result.effective.box).toEqual(result.computed?.box);
      expect(result.computed?.score).toBeGreaterThan(0.5);
    }
    // Grid-aligned squares at scale 1 and ½ give the exact square.
    const exact = (await service.dispatch('boxes.get', { runId: run.id, imageId: imageId.get('d-large.png') })) as ImageBox;
    expect(exact.computed?.box).toEqual([640, 320, 768, 448]);
  });

  it("gives each box the clustering run's nearest centroid of the crop's cls feature", async () => {
    for (const name of ['a.png', 'd-large.png']) {
      const result = (await service.dispatch('boxes.get', { runId: run.id, imageId: imageId.get(name) })) as ImageBox;
      const reference = await referenceCluster(project, model, clusterRun, join(photos, name), result.computed?.box as number[]);
      expect(result.computed?.cluster).toBe(reference.cluster);
      expect(result.computed?.distance).toBeCloseTo(reference.distance, 4);
    }
  });

  it('records an image that became unreadable with its reason and goes on', async () => {
    const broken = (await service.dispatch('boxes.get', { runId: run.id, imageId: imageId.get(BROKEN) })) as ImageBox;
    expect(broken.computed).toBeNull();
    expect(broken.error).toMatch(/corrupt|truncated|unsupported|decode/i);
    const failed = (await service.dispatch('boxes.list', { runId: run.id, filter: 'failed' })) as { total: number; items: ImageBox[] };
    expect(failed.items.map((item) => item.relPath)).toEqual([BROKEN]);
    const runs = (await service.dispatch('boxes.runs', {})) as BoxRun[];
    expect(runs[0]).toMatchObject({ state: 'done', boxes: IMAGES.length, failed: 1, decisions: 0 });
  });

  it('keeps decisions apart, refuses to recompute over them without replace, and re-applies them after', async () => {
    const id = (name: string) => imageId.get(name) as number;
    const before = (await service.dispatch('boxes.list', { runId: run.id, limit: 100 })) as { items: ImageBox[] };
    await service.dispatch('boxes.decide', { runId: run.id, imageId: id('a.png'), status: 'accepted' });
    await service.dispatch('boxes.decide', { runId: run.id, imageId: id('b.png'), status: 'rejected' });
    const edited = (await service.dispatch('boxes.decide', { runId: run.id, imageId: id('c.png'), box: [40, 190, 120, 270], clusterId: 1 })) as ImageBox;
    expect(edited.effective).toEqual({ box: [40, 190, 120, 270], cluster: 1, status: 'pending' });
    await expect(service.dispatch('boxes.decide', { runId: run.id, imageId: id('c.png'), box: [0, 0, 401, 10] })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(service.dispatch('boxes.decide', { runId: run.id, imageId: id('c.png'), clusterId: 2 })).rejects.toMatchObject({ code: 'bad_request' });
    const accepted = (await service.dispatch('boxes.list', { runId: run.id, filter: 'accepted' })) as { total: number };
    const inCluster1 = (await service.dispatch('boxes.list', { runId: run.id, clusterId: 1 })) as { items: ImageBox[] };
    expect(accepted.total).toBe(1);
    expect(inCluster1.items.map((item) => item.relPath)).toContain('c.png');

    await expect(service.dispatch('boxes.recompute', { runId: run.id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/3 reviewed/) });
    // Refused means untouched: the computed rows are all still there.
    expect(new BoxStore(project.db).progress(run.id).done).toBe(IMAGES.length + 1);

    const again = (await service.dispatch('boxes.recompute', { runId: run.id, replace: true })) as { run: BoxRun; job: Job };
    expect(again.run).toMatchObject({ state: 'pending', boxes: 0, decisions: 3 });
    expect((await runner.waitFor(again.job.id)).state).toBe('done');
    const after = (await service.dispatch('boxes.list', { runId: run.id, limit: 100 })) as { items: ImageBox[] };
    expect(after.items.map((item) => item.computed)).toEqual(before.items.map((item) => item.computed));
    const byName = new Map(after.items.map((item) => [item.relPath, item]));
    expect(byName.get('a.png')?.effective.status).toBe('accepted');
    expect(byName.get('b.png')?.effective.status).toBe('rejected');
    expect(byName.get('c.png')?.effective).toEqual({ box: [40, 190, 120, 270], cluster: 1, status: 'pending' });

    const cleared = (await service.dispatch('boxes.decide', { runId: run.id, imageId: id('c.png'), clear: true })) as ImageBox;
    expect(cleared.decision).toBeNull();
    expect(cleared.effective.box).toEqual(cleared.computed?.box);
  }, 60_000);

  it('stops when cancelled with what it committed, and a resumed run skips the images already done', async () => {
    const store = new BoxStore(project.db);
    const fresh = store.create({ modelId: model.id, clusterRunId: null, maxSide: MAX_SIDE, minSide: 224 });
    // Reports: the start (done 0), then one per image; cancelled after the second image.
    const first = inlineContext(project, { runId: fresh.id }, 3);
    await runBoxes(first);
    expect(store.progress(fresh.id).done).toBe(2);
    expect(store.get(fresh.id).state).toBe('pending');
    const second = inlineContext(project, { runId: fresh.id });
    await runBoxes(second);
    // Starts from the two committed images and works through only the other four.
    expect(second.dones).toEqual([2, 3, 4, 5, 6]);
    expect(second.failedItems).toBe(1);
    expect(store.get(fresh.id)).toMatchObject({ state: 'done', boxes: IMAGES.length, failed: 1 });
    // Without a clustering run, boxes carry no cluster.
    expect(store.all(fresh.id).every((item) => item.computed === null || item.computed.cluster === null)).toBe(true);
  }, 60_000);

  it('tries the image a dead process left in flight once more, and records it as failed when the process died on that retry too', async () => {
    const store = new BoxStore(project.db);
    const fresh = () => store.create({ modelId: model.id, clusterRunId: null, maxSide: MAX_SIDE, minSide: 224 }).id;
    const suspect = imageId.get('b.png') as number;
    // A kill while b.png was in flight says nothing about b.png: it gets its box.
    const killedOnce = fresh();
    new BoxInFlight(project.db, killedOnce).mark(suspect, false);
    await runBoxes(inlineContext(project, { runId: killedOnce }));
    expect(store.all(killedOnce).find((item) => item.imageId === suspect)?.computed?.box).toBeTruthy();
    expect(new BoxInFlight(project.db, killedOnce).left()).toBeNull();
    // Died again on its retry: the culprit is recorded with the reason, every other image is boxed.
    const killedTwice = fresh();
    new BoxInFlight(project.db, killedTwice).mark(suspect, true);
    const context = inlineContext(project, { runId: killedTwice });
    await runBoxes(context);
    expect(store.all(killedTwice).find((item) => item.imageId === suspect)?.error).toBe(DIED_ON_IMAGE);
    expect(context.failedItems).toBe(2); // the culprit and the damaged file
    expect(store.get(killedTwice)).toMatchObject({ state: 'done', boxes: IMAGES.length - 1, failed: 2 });
  }, 60_000);

  it('a boxes job whose process crashes mid-run restarts by itself and boxes every image', async () => {
    const fresh = new BoxStore(project.db).create({ modelId: model.id, clusterRunId: null, maxSide: MAX_SIDE, minSide: 224 });
    const crashing = runner.submit('boxes', { runId: fresh.id });
    const crash = crashJobOnceAt(runner, crashing.id, 2);
    const finished = await runner.waitFor(crashing.id);
    expect(crash.crashed()).toBe(true);
    expect(finished.state).toBe('done');
    expect(new BoxStore(project.db).get(fresh.id)).toMatchObject({ state: 'done', boxes: IMAGES.length, failed: 1 });
    expect(new BoxInFlight(project.db, fresh.id).left()).toBeNull();
  }, 60_000);

  it("follows a person's cluster merges and splits: merged boxes move along, a split-off cluster can be given", async () => {
    const boxes = () => service.dispatch('boxes.list', { runId: run.id, limit: 100 }) as Promise<{ items: ImageBox[] }>;
    const computed = (await boxes()).items.filter((item) => item.computed?.cluster != null && item.decision?.cluster == null);
    const merged = computed[0]?.computed?.cluster as number;
    const into = 1 - merged; // k = 2
    await service.dispatch('clusters.merge', { runId: clusterRun.id, clusterIds: [merged], into });
    const after = new Map((await boxes()).items.map((item) => [item.imageId, item]));
    for (const item of computed) {
      expect(after.get(item.imageId)?.computed?.cluster).toBe(into);
      expect(after.get(item.imageId)?.effective.cluster).toBe(into);
    }
    const listed = (await service.dispatch('boxes.list', { runId: run.id, clusterId: into, limit: 100 })) as { items: ImageBox[] };
    expect(listed.items.map((item) => item.imageId)).toEqual(expect.arrayContaining(computed.map((item) => item.imageId)));
    const target = computed[0]?.imageId as number;
    await expect(service.dispatch('boxes.decide', { runId: run.id, imageId: target, clusterId: merged })).rejects.toMatchObject({ code: 'bad_request' });
    const split = (await service.dispatch('clusters.split', { runId: clusterRun.id, clusterId: into })) as { clusters: { id: number }[] };
    const newest = Math.max(...split.clusters.map((cluster) => cluster.id));
    expect(newest).toBe(2);
    const given = (await service.dispatch('boxes.decide', { runId: run.id, imageId: target, clusterId: newest })) as ImageBox;
    expect(given.effective.cluster).toBe(newest);
  }, 60_000);

  it("moves a box whose cluster a person gave along when that cluster is merged, for the list, its filter and the exports", async () => {
    const boxes = (clusterId?: number) =>
      service.dispatch('boxes.list', { runId: run.id, limit: 100, ...(clusterId === undefined ? {} : { clusterId }) }) as Promise<{ items: ImageBox[] }>;
    const given = (await boxes()).items.find((item) => item.decision?.cluster != null) as ImageBox;
    const from = given.decision?.cluster as number;
    const summary = (await service.dispatch('clusters.summary', { runId: clusterRun.id })) as { clusters: { id: number; mergedInto: number | null }[] };
    const into = summary.clusters.find((cluster) => cluster.mergedInto === null && cluster.id !== from)?.id as number;
    await service.dispatch('clusters.merge', { runId: clusterRun.id, clusterIds: [from], into });
    const after = (await boxes()).items.find((item) => item.imageId === given.imageId) as ImageBox;
    expect(after.effective.cluster).toBe(into);
    expect((await boxes(into)).items.map((item) => item.imageId)).toContain(given.imageId);
    expect((await boxes(from)).items.map((item) => item.imageId)).not.toContain(given.imageId);
    // what every export reads
    expect(new BoxStore(project.db).all(run.id).find((item) => item.imageId === given.imageId)?.effective.cluster).toBe(into);
  }, 60_000);
});
