// The training manifest the app exports from the store, per guidance level, checked line by line and
// read back by the trainer's own manifest parser.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoxStore } from '../../src/core/labels/box-store.ts';
import { ClusterStore } from '../../src/core/labels/cluster-store.ts';
import { LabellingStore } from '../../src/core/labels/labelling-store.ts';
import { MaskStore } from '../../src/core/labels/mask-store.ts';
import { encodeSegmentPng } from '../../src/core/labels/segment-png.ts';
import type { Project } from '../../src/core/project/project.ts';
import { type ManifestSummary, TrainSourceError, resolveSource, writeManifest } from '../../src/core/train/manifest-export.ts';
import { selfguideRoot } from '../../src/core/train/python-env.ts';
import type { TrainSource } from '../../src/core/train/train-store.ts';
import { tempDir } from '../support/temp.ts';
import { fixtureClusterRun, trainingProject } from '../support/train-project.ts';

const IMAGES = 10;
const VENV_PYTHON = join(selfguideRoot() as string, '.venv', 'bin', 'python');

interface Line {
  path: string;
  label?: number | null;
  cluster?: number | null;
  box?: number[] | null;
  mask?: string | null;
  split: 'train' | 'val';
  image_id: number;
}

function read(file: string): { header: Record<string, unknown>; rows: Line[] } {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { header: header as Record<string, unknown>, rows: rows as unknown as Line[] };
}

/** What the trainer's parser makes of a manifest (it raises on anything structurally wrong). */
function trainerReads(file: string): { rows: number; val: number; mode: string; vectorDim: number; layoutChannels: number; names: string[] } {
  const script = `import json, sys
from selfguide_trainer.diffusion.data.manifest import read_manifest
m = read_manifest(sys.argv[1])
print(json.dumps({"rows": len(m.rows), "val": len(m.split("val")), "mode": m.cond.mode, "vectorDim": m.cond.vector_dim,
                  "layoutChannels": m.cond.layout_channels, "names": m.cond.names}))`;
  return JSON.parse(execFileSync(VENV_PYTHON, ['-c', script, file], { encoding: 'utf8' })) as ReturnType<typeof trainerReads>;
}

describe('training manifest export', () => {
  const root = tempDir();
  let project: Project;
  let okIds: number[];
  let goneId: number;
  const out = (name: string) => join(root, name);
  const write = (source: TrainSource, name: string, seed = 0, valShare = 0.2): Promise<ManifestSummary> =>
    writeManifest(project, source, out(name), { seed, valShare, maskDir: out(`${name}-masks`) });
  const source = (level: TrainSource['level'], ids: Partial<TrainSource> = {}): TrainSource => ({
    level,
    clusterRunId: null,
    labellingId: null,
    boxRunId: null,
    maskRunId: null,
    ...ids,
  });

  beforeAll(async () => {
    const photos = join(root, 'photos');
    mkdirSync(photos, { recursive: true });
    writeFileSync(join(photos, 'broken.png'), 'not an image');
    project = await trainingProject(root, IMAGES);
    okIds = (project.db.prepare("SELECT id FROM images WHERE status = 'ok' ORDER BY id").all() as { id: number }[]).map((row) => row.id);
    // A file that went away after the scan: still 'ok' in the store until the next rescan.
    const gone = project.db.prepare("SELECT id, rel_path FROM images WHERE rel_path = 'img-004.png'").get() as { id: number; rel_path: string };
    goneId = gone.id;
    rmSync(join(photos, gone.rel_path));
  });
  afterAll(() => project.close());

  it('writes every ok image whose file exists, with absolute paths, a header and a seeded held-out share', async () => {
    expect(okIds).toHaveLength(IMAGES);
    const summary = await write(source('none'), 'none.jsonl');
    const { header, rows } = read(out('none.jsonl'));
    expect(header).toEqual({ format: 'selfguide-manifest', version: 1, cond: 'none' });
    expect(summary).toMatchObject({ images: IMAGES - 1, missing: 1 });
    expect(rows.map((row) => row.image_id)).toEqual(okIds.filter((id) => id !== goneId));
    expect(rows.every((row) => row.path.startsWith('/') && !row.path.includes('broken') && !row.path.endsWith('img-004.png'))).toBe(true);
    // 20 % of the 10 ok images are drawn for validation; the missing one may be among them.
    expect(summary.val).toBe(rows.filter((row) => row.split === 'val').length);
    expect(summary.val).toBeGreaterThanOrEqual(1);
    expect(summary.val).toBeLessThanOrEqual(2);

    await write(source('none'), 'none-again.jsonl');
    expect(readFileSync(out('none-again.jsonl'), 'utf8')).toBe(readFileSync(out('none.jsonl'), 'utf8'));
    const splits = new Set<string>();
    for (let seed = 0; seed < 6; seed++) {
      await write(source('none'), `seed-${seed}.jsonl`, seed);
      splits.add(JSON.stringify(read(out(`seed-${seed}.jsonl`)).rows.filter((row) => row.split === 'val').map((row) => row.image_id)));
    }
    expect(splits.size).toBeGreaterThan(1);
    expect(trainerReads(out('none.jsonl'))).toMatchObject({ rows: IMAGES - 1, val: summary.val, mode: 'none' });
  });

  it('gives each image its cluster and copies the run’s cluster names', async () => {
    const runId = fixtureClusterRun(project, 3);
    const summary = await write(source('cluster', { clusterRunId: runId }), 'cluster.jsonl');
    const { header, rows } = read(out('cluster.jsonl'));
    expect(header).toMatchObject({ cond: 'cluster', num_clusters: 3, cluster_names: ['cluster 0', 'cluster 1', 'cluster 2'] });
    for (const row of rows) expect(row.cluster, `image ${row.image_id}`).toBe(okIds.indexOf(row.image_id) % 3);
    expect(summary.conditioned).toBe(IMAGES - 1);
    expect(trainerReads(out('cluster.jsonl'))).toMatchObject({ mode: 'cluster', vectorDim: 3, names: ['cluster 0', 'cluster 1', 'cluster 2'] });
  });

  it('turns ground-truth labels into class indices in name order; unlabeled images get null', async () => {
    const labels = new Map(okIds.slice(0, 6).map((id, i) => [id, ['shirt', 'boot', 'bag'][i % 3] as string]));
    const labelling = new LabellingStore(project.db).save('truth', 'test', labels);
    await write(source('label', { labellingId: labelling.id }), 'label.jsonl');
    const { header, rows } = read(out('label.jsonl'));
    expect(header).toMatchObject({ cond: 'label', num_classes: 3, class_names: ['bag', 'boot', 'shirt'] });
    for (const row of rows) {
      const name = labels.get(row.image_id);
      expect(row.label).toBe(name === undefined ? null : ['bag', 'boot', 'shirt'].indexOf(name));
    }
    expect(trainerReads(out('label.jsonl'))).toMatchObject({ mode: 'label', vectorDim: 3 });
  });

  it('exports LOST boxes with people’s decisions applied: an edited box wins, a rejected one trains unconditionally', async () => {
    const clusterRunId = fixtureClusterRun(project, 2);
    const boxes = new BoxStore(project.db);
    const run = boxes.create({ modelId: 'fixture-encoder', clusterRunId, maxSide: 1024, minSide: 224 });
    okIds.forEach((id, i) => boxes.saveBox(run.id, id, { box: [1, 2, 10 + i, 12], seed: 0, score: 0.5, cluster: i % 2, distance: 0.1 }));
    boxes.setState(run.id, 'done');
    // Four images whose files exist (the scan numbers files in no fixed order, so the gone one can be anywhere).
    type Checked = { id: number; index: number };
    const [kept, edited, rejected, untouched] = okIds.map((id, index) => ({ id, index })).filter(({ id }) => id !== goneId) as [Checked, Checked, Checked, Checked];
    boxes.decide(run.id, edited.id, { box: [0, 0, 5, 5], cluster: 0 });
    boxes.decide(run.id, rejected.id, { status: 'rejected' });
    const resolved = resolveSource(project, { level: 'box' });
    expect(resolved).toMatchObject({ level: 'box', boxRunId: run.id, clusterRunId });
    await write(resolved, 'box.jsonl');
    const { header, rows } = read(out('box.jsonl'));
    expect(header).toMatchObject({ cond: 'box', num_clusters: 2 });
    expect(rows).toHaveLength(IMAGES - 1);
    const byId = new Map(rows.map((row) => [row.image_id, row]));
    const asSaved = ({ id, index }: Checked) => expect(byId.get(id)).toMatchObject({ box: [1, 2, 10 + index, 12], cluster: index % 2 });
    asSaved(kept);
    asSaved(untouched);
    expect(byId.get(edited.id)).toMatchObject({ box: [0, 0, 5, 5], cluster: 0 });
    expect(byId.get(rejected.id)).toMatchObject({ box: null, cluster: null });
    expect(trainerReads(out('box.jsonl'))).toMatchObject({ mode: 'box', vectorDim: 2, layoutChannels: 1 });
  });

  it('writes each segment map as a grey PNG of segment ids for the trainer', async () => {
    const masks = new MaskStore(project.db);
    const run = masks.create('fixture-encoder', 4, { seed: 0, restarts: 1, iterations: 1, maxTokens: 1000 });
    const map = Uint8Array.from({ length: 20 * 16 }, (_, i) => (i % 20 < 10 ? 1 : 3));
    mkdirSync(join(project.root, 'masks', String(run.id)), { recursive: true });
    const masked = okIds.find((id) => id !== goneId) as number;
    const file = join('masks', String(run.id), `${masked}.png`);
    writeFileSync(join(project.root, file), await encodeSegmentPng(map, 20, 16));
    masks.saveMask(run.id, masked, { file, width: 20, height: 16, histogram: [0, 160, 0, 160] });
    masks.setState(run.id, 'done');
    masks.rename(run.id, 3, 'sky');
    await write(source('mask', { maskRunId: run.id }), 'mask.jsonl');
    const { header, rows } = read(out('mask.jsonl'));
    expect(header).toMatchObject({ cond: 'mask', num_segments: 4, segment_names: ['segment 0', 'segment 1', 'segment 2', 'sky'] });
    const withMask = rows.filter((row) => row.mask);
    expect(withMask.map((row) => row.image_id)).toEqual([masked]);
    const png = sharp(withMask[0]?.mask as string);
    expect(await png.metadata()).toMatchObject({ width: 20, height: 16, channels: 1, depth: 'uchar' });
    expect([...(await png.extractChannel(0).raw().toBuffer())]).toEqual([...map]);
    expect(trainerReads(out('mask.jsonl'))).toMatchObject({ mode: 'mask', vectorDim: 4, layoutChannels: 4 });
  });

  it('says what to compute first when a level has no source, or its source is not finished', () => {
    const empty = { db: project.db } as Project;
    const error = (request: Parameters<typeof resolveSource>[1]) => {
      try {
        resolveSource(empty, request);
      } catch (failure) {
        expect(failure).toBeInstanceOf(TrainSourceError);
        return (failure as Error).message;
      }
      return 'no error';
    };
    project.db.exec('DELETE FROM box_runs; DELETE FROM mask_runs; DELETE FROM labellings');
    expect(error({ level: 'box' })).toMatch(/compute boxes first/);
    expect(error({ level: 'mask' })).toMatch(/compute masks first/);
    expect(error({ level: 'label' })).toMatch(/import them first/);
    const pending = new ClusterStore(project.db).create('fixture-encoder', 5, { seed: 0, restarts: 1, iterations: 1 });
    expect(error({ level: 'cluster', clusterRunId: pending.id })).toMatch(new RegExp(`#${pending.id} is pending, not done`));
    project.db.exec('DELETE FROM cluster_runs');
    expect(error({ level: 'cluster' })).toMatch(/compute clusters first/);
    expect(resolveSource(empty, { level: 'none' })).toMatchObject({ level: 'none' });
  });
});
