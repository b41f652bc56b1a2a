import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { runMasks } from '../../src/core/labels/mask-job.ts';
import { MaskStore } from '../../src/core/labels/mask-store.ts';
import { segmentColour } from '../../src/core/labels/segment-palette.ts';
import { decodeSegmentPng } from '../../src/core/labels/segment-png.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { type RunningServer, startServer } from '../../src/server/server.ts';
import type { ImageMask, MaskMember, MaskRun, MaskSummary, SegmentInfo } from '../../src/shared/masks.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { inlineContext } from '../support/inline-context.ts';
import { TINY_VIT } from '../support/models.ts';
import { type PlantedImage, writePlanted } from '../support/planted-objects.ts';
import { scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

const K = 4;
// Bright squares on the same dark background, at different places and image sizes.
const IMAGES: PlantedImage[] = [
  { name: 'a.png', width: 224, height: 224, object: [32, 32, 112, 112] },
  { name: 'b.png', width: 320, height: 240, object: [160, 96, 288, 208] },
  { name: 'c.png', width: 150, height: 200, object: [70, 100, 140, 190] },
  { name: 'd.png', width: 224, height: 224, object: [120, 20, 200, 100] },
];

const hex = (id: number) => `#${segmentColour(id).map((v) => v.toString(16).padStart(2, '0')).join('')}`;

describe('segment masks job', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let server: RunningServer;
  let run: MaskRun;
  let job: Job;
  const imageId = new Map<string, number>();

  beforeAll(async () => {
    mkdirSync(photos);
    for (const image of IMAGES) await writePlanted(image, join(photos, image.name));
    project = createProject(join(root, 'project'));
    await scanFolders(project, [photos]);
    for (const row of project.db.prepare('SELECT id, rel_path FROM images').all() as { id: number; rel_path: string }[]) imageId.set(row.rel_path, row.id);
    const model = await importModel(project, { file: TINY_VIT });
    runner = new JobRunner(project);
    service = createService(project, runner);
    const features = (await service.dispatch('features.start', { modelId: model.id, withPatches: true })) as Job;
    expect((await runner.waitFor(features.id)).state).toBe('done');
    ({ run, job } = (await service.dispatch('masks.start', { k: K, seed: 1 })) as { run: MaskRun; job: Job });
    job = await runner.waitFor(job.id);
    server = await startServer(service);
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await runner.stop();
    project.close();
  });

  const mapOf = async (name: string) => decodeSegmentPng(readFileSync(join(project.root, 'masks', String(run.id), `${imageId.get(name)}.png`)));

  it('stores one palette PNG per image at the image size, with the histogram of its segments', async () => {
    expect(job).toMatchObject({ state: 'done', done: IMAGES.length, total: IMAGES.length });
    for (const image of IMAGES) {
      const { map, width, height } = await mapOf(image.name);
      expect([width, height]).toEqual([image.width, image.height]);
      const counts = new Array<number>(K).fill(0);
      for (const id of map) counts[id]!++;
      const mask = (await service.dispatch('masks.get', { runId: run.id, imageId: imageId.get(image.name) })) as ImageMask;
      expect(mask).toMatchObject({ width: image.width, height: image.height, relPath: image.name });
      expect(Object.fromEntries(mask.legend.map((entry) => [entry.segment, entry.pixels]))).toEqual(
        Object.fromEntries(counts.flatMap((count, id) => (count > 0 ? [[id, count]] : []))),
      );
      expect(mask.legend.map((entry) => entry.colour)).toEqual(mask.legend.map((entry) => hex(entry.segment)));
      expect(mask.legend.reduce((sum, entry) => sum + entry.fraction, 0)).toBeCloseTo(1, 10);
    }
  });

  it('gives the background one segment and the squares another, the same in every image', async () => {
    const background = new Set<number>();
    const object = new Set<number>();
    for (const image of IMAGES) {
      const { map, width } = await mapOf(image.name);
      const [x0, y0, x1, y1] = image.object;
      object.add(map[Math.floor((y0 + y1) / 2) * width + Math.floor((x0 + x1) / 2)] as number);
      background.add(map[0] as number);
    }
    expect(background.size).toBe(1);
    expect(object.size).toBe(1);
    expect([...object][0]).not.toBe([...background][0]);
  });

  it('sums segments over the run and filters images by segment', async () => {
    const summary = (await service.dispatch('masks.summary', { runId: run.id })) as MaskSummary;
    expect(summary.run).toMatchObject({ state: 'done', images: IMAGES.length, k: K, renamed: 0 });
    expect(summary.segments).toHaveLength(K);
    const total = IMAGES.reduce((sum, image) => sum + image.width * image.height, 0);
    expect(summary.segments.reduce((sum, segment) => sum + segment.pixels, 0)).toBe(total);
    const { map } = await mapOf('a.png');
    const backgroundSegment = map[0] as number;
    expect(summary.segments[backgroundSegment]?.images).toBe(IMAGES.length);
    const members = (await service.dispatch('masks.images', { runId: run.id, segment: backgroundSegment })) as { total: number; items: MaskMember[] };
    expect(members.total).toBe(IMAGES.length);
    const fractions = members.items.map((item) => item.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => b - a));
    await expect(service.dispatch('masks.images', { runId: run.id, segment: K })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('serves a map by run and image id only, over HTTP with the session token', async () => {
    const url = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { 'x-selfguide-token': server.token } });
    const ok = await url(`/files/mask/${run.id}/${imageId.get('b.png')}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    const served = await decodeSegmentPng(Buffer.from(await ok.arrayBuffer()));
    expect(served.map).toEqual((await mapOf('b.png')).map);
    for (const path of [`/files/mask/${run.id}/999`, `/files/mask/999/${imageId.get('b.png')}`, `/files/mask/${run.id}/..%2F..%2Fproject.db`, `/files/mask/${run.id}/1/2`]) {
      expect((await url(path)).status).toBe(404);
    }
    expect((await fetch(`http://127.0.0.1:${server.port}/files/mask/${run.id}/${imageId.get('b.png')}`)).status).toBe(401);
  });

  it('keeps segment names over a recompute, which it refuses without replace', async () => {
    const renamed = (await service.dispatch('masks.renameSegment', { runId: run.id, segment: 2, name: 'sky' })) as SegmentInfo;
    expect(renamed).toMatchObject({ id: 2, name: 'sky', renamed: true, colour: hex(2) });
    await expect(service.dispatch('masks.recompute', { runId: run.id })).rejects.toMatchObject({ code: 'conflict' });
    expect((await service.dispatch('masks.runs', {}) as MaskRun[])[0]).toMatchObject({ state: 'done', images: IMAGES.length });
    const before = await mapOf('c.png');
    const again = (await service.dispatch('masks.recompute', { runId: run.id, replace: true })) as { run: MaskRun; job: Job };
    expect(again.run).toMatchObject({ state: 'pending', images: 0, centroidFile: null });
    expect((await runner.waitFor(again.job.id)).state).toBe('done');
    expect((await mapOf('c.png')).map).toEqual(before.map); // same seed, same segments
    const summary = (await service.dispatch('masks.summary', { runId: run.id })) as MaskSummary;
    expect(summary.segments[2]).toMatchObject({ name: 'sky', renamed: true });
  }, 60_000);

  it('resumes after a cancel with the fitted segments and only the missing maps', async () => {
    const store = new MaskStore(project.db);
    const fresh = store.create(run.modelId, K, { seed: 1, restarts: 1, iterations: 30, maxTokens: 200_000 });
    // Reports: the start (done 0), then one per map; cancelled after the first map.
    await runMasks(inlineContext(project, { runId: fresh.id }, 2));
    expect(store.get(fresh.id)).toMatchObject({ state: 'pending', images: 1 });
    const centroids = store.get(fresh.id).centroidFile as string;
    const fitted = readFileSync(join(project.root, centroids));
    const second = inlineContext(project, { runId: fresh.id });
    await runMasks(second);
    expect(second.dones).toEqual([1, 2, 3, 4]);
    expect(readFileSync(join(project.root, centroids))).toEqual(fitted);
    expect(store.get(fresh.id)).toMatchObject({ state: 'done', images: IMAGES.length });
    expect(existsSync(join(project.root, 'masks', String(fresh.id), `${imageId.get('d.png')}.png`))).toBe(true);
  }, 60_000);
});
