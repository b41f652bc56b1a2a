import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { startClustering } from '../../src/core/labels/start-clustering.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { BoxStore } from '../../src/core/labels/box-store.ts';
import { createProject, openProject } from '../../src/core/project/project.ts';
import type { BoxRun } from '../../src/shared/boxes.ts';
import type { MaskRun, SegmentInfo } from '../../src/shared/masks.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { selfguide, selfguideJson } from '../support/cli.ts';
import { TINY_VIT } from '../support/models.ts';
import { type PlantedImage, writePlanted } from '../support/planted-objects.ts';
import { scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

const IMAGES: PlantedImage[] = [
  { name: 'a.png', width: 96, height: 64, object: [48, 16, 80, 48] },
  { name: 'b.png', width: 64, height: 96, object: [16, 48, 48, 80] },
  { name: 'c.png', width: 80, height: 80, object: [0, 0, 32, 32] },
];

describe('selfguide boxes, masks and export', () => {
  const root = tempDir();
  const dir = join(root, 'project');
  const out = (name: string) => join(root, 'out', name);
  let clusterRunId: number;

  beforeAll(async () => {
    mkdirSync(join(root, 'photos'));
    for (const image of IMAGES) await writePlanted(image, join(root, 'photos', image.name));
    const project = createProject(dir);
    await scanFolders(project, [join(root, 'photos')]);
    const model = await importModel(project, { file: TINY_VIT });
    const runner = new JobRunner(project);
    expect((await runner.waitFor(runner.submit('features', { modelId: model.id, extraKinds: ['patches'] }).id)).state).toBe('done');
    const { run, job } = startClustering(project, runner, { k: 2, restarts: 1 });
    expect((await runner.waitFor(job.id)).state).toBe('done');
    clusterRunId = run.id;
    await runner.stop();
    project.close();
  }, 120_000);

  it('boxes: a run classed by the newest clustering run; --recompute refuses over decisions without --replace', () => {
    const boxes = selfguideJson<{ job: Job; run: BoxRun }>(['boxes', '--project', dir]);
    expect(boxes.code).toBe(0);
    expect(boxes.json.run).toMatchObject({ state: 'done', clusterRunId, boxes: IMAGES.length, failed: 0, minSide: 224, maxSide: 1024 });
    const plain = selfguideJson<{ run: BoxRun }>(['boxes', '--project', dir, '--no-clusters', '--max-side', '512']);
    expect(plain.json.run).toMatchObject({ clusterRunId: null, maxSide: 512 });
    expect(selfguide(['boxes', '--project', dir, '--cluster-run', '1', '--no-clusters']).code).toBe(2);
    // A fresh run has no decisions: recompute needs no confirmation.
    const again = selfguideJson<{ run: BoxRun }>(['boxes', '--project', dir, '--recompute', String(boxes.json.run.id)]);
    expect(again.json.run).toMatchObject({ id: boxes.json.run.id, state: 'done', boxes: IMAGES.length });
    const project = openProject(dir);
    new BoxStore(project.db).decide(boxes.json.run.id, 1, { status: 'accepted' });
    project.close();
    const refused = selfguide(['boxes', '--project', dir, '--recompute', String(boxes.json.run.id)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/1 reviewed image.*--replace/s);
    const replaced = selfguideJson<{ run: BoxRun }>(['boxes', '--project', dir, '--recompute', String(boxes.json.run.id), '--replace']);
    expect(replaced.json.run).toMatchObject({ state: 'done', boxes: IMAGES.length, decisions: 1 });
  });

  it('masks: K segments with names, colours and totals', () => {
    const masks = selfguideJson<{ run: MaskRun; segments: SegmentInfo[] }>(['masks', '--project', dir, '--k', '3']);
    expect(masks.code).toBe(0);
    expect(masks.json.run).toMatchObject({ state: 'done', k: 3, images: IMAGES.length });
    expect(masks.json.segments.map((s) => s.name)).toEqual(['segment 0', 'segment 1', 'segment 2']);
    expect(masks.json.segments.reduce((sum, s) => sum + s.pixels, 0)).toBe(IMAGES.reduce((sum, i) => sum + i.width * i.height, 0));
    expect(existsSync(join(dir, 'masks', String(masks.json.run.id)))).toBe(true);
    expect(selfguide(['masks', '--project', dir, '--k', '1']).code).toBe(2);
  });

  it('export: the newest done runs by default, refusals that say what is missing, never over an export', () => {
    const coco = selfguideJson<{ images: number; boxes: number; masks: number; runs: Record<string, number> }>(['export', '--project', dir, '--format', 'coco', '--out', out('coco')]);
    expect(coco.code).toBe(0);
    expect(coco.json).toMatchObject({ images: IMAGES.length, boxes: IMAGES.length, masks: IMAGES.length });
    const written = JSON.parse(readFileSync(join(out('coco'), 'annotations.json'), 'utf8')) as { annotations: unknown[] };
    expect(written.annotations.length).toBeGreaterThan(IMAGES.length);
    const yolo = selfguide(['export', '--project', dir, '--format', 'yolo', '--out', out('yolo'), '--cluster-run', String(clusterRunId)]);
    expect(yolo.code).toBe(2);
    expect(yolo.stderr).toMatch(/--box-run/);
    const again = selfguide(['export', '--project', dir, '--format', 'coco', '--out', out('coco')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/--overwrite/);
    expect(selfguide(['export', '--project', dir, '--format', 'coco', '--out', out('coco'), '--overwrite']).code).toBe(0);
    expect(selfguide(['export', '--project', dir, '--format', 'pdf', '--out', out('pdf')]).code).toBe(2);
  });
});
