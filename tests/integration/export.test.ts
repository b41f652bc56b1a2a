import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/core/api/service.ts';
import { CSV_COLUMNS } from '../../src/core/export/csv.ts';
import { ExportError } from '../../src/core/export/export-data.ts';
import { exportLabels } from '../../src/core/export/export-labels.ts';
import type { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { decodeSegmentPng } from '../../src/core/labels/segment-png.ts';
import type { Project } from '../../src/core/project/project.ts';
import type { BoxRun, ImageBox } from '../../src/shared/boxes.ts';
import type { ClusterRun } from '../../src/shared/clusters.ts';
import type { MaskRun } from '../../src/shared/masks.ts';
import { labelledProject } from '../support/labelled-project.ts';
import type { PlantedImage } from '../support/planted-objects.ts';
import { tempDir } from '../support/temp.ts';

const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const COCO_READER = fileURLToPath(new URL('../support/coco_roundtrip.py', import.meta.url));

const IMAGES: PlantedImage[] = [
  { name: 'a.png', width: 96, height: 64, object: [48, 16, 80, 48] },
  { name: 'b.png', width: 64, height: 96, object: [16, 48, 48, 80] },
  { name: 'c.png', width: 80, height: 80, object: [0, 0, 32, 32] },
  { name: 'd.png', width: 112, height: 64, object: [64, 32, 96, 64] },
];
// A comma and quotes in a cluster name: CSV must quote it, XML escape it, ImageFolder keep it.
const RENAMED = 'shirts, "tops" & co';

/** A small RFC 4180 reader: quoted fields with doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let [row, field, quoted] = [[] as string[], '', false];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) field += c;
    else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      [row, field] = [[], ''];
      i++;
    } else field += c;
  }
  return rows;
}

const xmlUnescape = (text: string) => text.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e] as string);

describe('export', () => {
  const root = tempDir();
  const out = (name: string) => join(root, 'out', name);
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let clusterRun: ClusterRun;
  let boxRun: BoxRun;
  let maskRun: MaskRun;
  let boxes: Map<string, ImageBox>;
  const runs = () => ({ clusterRunId: clusterRun.id, boxRunId: boxRun.id, maskRunId: maskRun.id });

  beforeAll(async () => {
    // The same file name in a second folder: exports must keep the two apart.
    ({ project, runner, service, clusterRun, boxRun, maskRun } = await labelledProject(root, {
      photos: IMAGES,
      more: [{ ...(IMAGES[0] as PlantedImage), object: [8, 8, 40, 40] }],
    }));
    const id = (relPath: string, folder = 'photos') =>
      (project.db.prepare('SELECT i.id FROM images i JOIN folders f ON f.id = i.folder_id WHERE i.rel_path = ? AND f.path LIKE ?').get(relPath, `%/${folder}`) as { id: number }).id;
    await service.dispatch('clusters.rename', { runId: clusterRun.id, clusterId: 0, name: RENAMED });
    await service.dispatch('masks.renameSegment', { runId: maskRun.id, segment: 1, name: 'segment one' });
    await service.dispatch('boxes.decide', { runId: boxRun.id, imageId: id('b.png'), status: 'rejected' });
    await service.dispatch('boxes.decide', { runId: boxRun.id, imageId: id('c.png'), box: [2, 3, 40, 41], clusterId: 1, status: 'accepted' });
    const listed = (await service.dispatch('boxes.list', { runId: boxRun.id })) as { items: ImageBox[] };
    boxes = new Map(listed.items.map((item) => [item.imageId === id('a.png', 'more') ? 'more/a.png' : item.relPath, item]));
  }, 120_000);
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  const expectedBoxes = () => [...boxes.values()].filter((item) => item.effective.status !== 'rejected');

  it('COCO: pycocotools loads it and decodes every RLE mask to exactly our segment map', async () => {
    const summary = await exportLabels(project, { format: 'coco', out: out('coco'), ...runs() });
    expect(summary).toMatchObject({ images: IMAGES.length + 1, boxes: IMAGES.length, masks: IMAGES.length + 1 });
    const read = spawnSync(PYTHON, [COCO_READER, join(out('coco'), 'annotations.json')], { encoding: 'utf8' });
    expect(read.stderr).not.toMatch(/Error|Traceback/);
    expect(read.status).toBe(0);
    const coco = JSON.parse(read.stdout) as {
      images: { id: number; file_name: string; width: number; height: number }[];
      categories: { id: number; name: string; supercategory: string }[];
      annotations: { id: number; image_id: number; category_id: number; bbox: number[]; area: number; decoded?: { shape: number[]; pixels: number[]; area: number; bbox: number[] } }[];
    };
    expect(coco.images.map((image) => image.file_name).sort()).toEqual(['b.png', 'c.png', 'd.png', 'folder-1/a.png', 'folder-2/a.png']);
    expect(coco.categories).toEqual([
      { id: 1, name: RENAMED, supercategory: 'cluster' },
      { id: 2, name: 'cluster 1', supercategory: 'cluster' },
      { id: 3, name: 'segment 0', supercategory: 'segment' },
      { id: 4, name: 'segment one', supercategory: 'segment' },
      { id: 5, name: 'segment 2', supercategory: 'segment' },
    ]);
    // Boxes: the effective ones, rejected left out, bbox = [x, y, w, h].
    const boxAnnotations = coco.annotations.filter((a) => !a.decoded);
    expect(boxAnnotations.map((a) => [a.image_id, a.bbox, a.category_id]).sort()).toEqual(
      expectedBoxes()
        .map((item) => {
          const [x0, y0, x1, y1] = item.effective.box as number[] as [number, number, number, number];
          return [item.imageId, [x0, y0, x1 - x0, y1 - y0], (item.effective.cluster as number) + 1];
        })
        .sort(),
    );
    // Masks: per image and segment, pycocotools' decoded pixels are exactly map == segment.
    const maskAnnotations = coco.annotations.filter((a) => a.decoded);
    const files = new Map(coco.images.map((image) => [image.id, image]));
    let checked = 0;
    for (const image of files.values()) {
      const { map, width, height } = await decodeSegmentPng(readFileSync(join(project.root, 'masks', String(maskRun.id), `${image.id}.png`)));
      const present = [...new Set(map)].sort();
      const mine = maskAnnotations.filter((a) => a.image_id === image.id);
      expect(mine.map((a) => a.category_id - 3).sort()).toEqual(present);
      for (const annotation of mine) {
        const segment = annotation.category_id - 3;
        const pixels = [...map.keys()].filter((i) => map[i] === segment);
        expect(annotation.decoded?.shape).toEqual([height, width]);
        expect(annotation.decoded?.pixels).toEqual(pixels);
        expect(annotation.decoded?.area).toBe(pixels.length);
        expect(annotation.area).toBe(pixels.length);
        expect(annotation.bbox).toEqual(annotation.decoded?.bbox);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(IMAGES.length);
  }, 60_000);

  it('YOLO: one normalized line per kept box that converts back to the box, and the class names', async () => {
    const summary = await exportLabels(project, { format: 'yolo', out: out('yolo'), ...runs() });
    expect(readFileSync(join(out('yolo'), 'classes.txt'), 'utf8')).toBe(`${RENAMED}\ncluster 1\n`);
    const kept = expectedBoxes();
    // It counts what it wrote: the boxed images, no masks (the mask run named is not read).
    expect(summary).toMatchObject({ images: kept.length, boxes: kept.length, masks: 0, runs: { maskRunId: null } });
    const images = readFileSync(join(out('yolo'), 'images.txt'), 'utf8').trim().split('\n');
    expect(images).toHaveLength(kept.length);
    for (const item of kept) {
      const name = item.relPath === 'a.png' ? `folder-${item.imageId === boxes.get('more/a.png')?.imageId ? 2 : 1}/a.png` : item.relPath;
      const [cls, cx, cy, w, h] = readFileSync(join(out('yolo'), 'labels', name.replace('.png', '.txt')), 'utf8').trim().split(' ').map(Number) as number[];
      const back = [(cx! - w! / 2) * item.width, (cy! - h! / 2) * item.height, (cx! + w! / 2) * item.width, (cy! + h! / 2) * item.height].map(Math.round);
      expect(back).toEqual(item.effective.box);
      expect(cls).toBe(item.effective.cluster);
    }
    expect(existsSync(join(out('yolo'), 'labels', 'b.txt'))).toBe(false); // rejected
  });

  it('Pascal VOC: one XML per kept box, 1-based inclusive coordinates, escaped class name', async () => {
    const summary = await exportLabels(project, { format: 'voc', out: out('voc'), ...runs() });
    expect(summary).toMatchObject({ images: expectedBoxes().length, boxes: expectedBoxes().length, masks: 0, runs: { maskRunId: null } });
    const names = [RENAMED, 'cluster 1'];
    for (const item of expectedBoxes().filter((box) => box.relPath !== 'a.png')) {
      const xml = readFileSync(join(out('voc'), 'Annotations', item.relPath.replace('.png', '.xml')), 'utf8');
      const tag = (name: string) => xmlUnescape(new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] as string);
      expect([tag('width'), tag('height')].map(Number)).toEqual([item.width, item.height]);
      expect(tag('name')).toBe(names[item.effective.cluster as number]);
      const [x0, y0, x1, y1] = item.effective.box as number[] as [number, number, number, number];
      expect(['xmin', 'ymin', 'xmax', 'ymax'].map((t) => Number(tag(t)))).toEqual([x0 + 1, y0 + 1, x1, y1]);
    }
    expect(readdirSync(join(out('voc'), 'Annotations')).sort()).toEqual(['c.xml', 'd.xml', 'folder-1', 'folder-2']);
  });

  it('CSV: one row per image with cluster, distance, box and segments, quoted where needed', async () => {
    await exportLabels(project, { format: 'csv', out: out('csv'), ...runs() });
    const [header, ...rows] = parseCsv(readFileSync(join(out('csv'), 'labels.csv'), 'utf8'));
    expect(header).toEqual(CSV_COLUMNS);
    expect(rows).toHaveLength(IMAGES.length + 1);
    const assignments = new Map(
      (project.db.prepare('SELECT image_id, cluster, distance FROM cluster_assignments WHERE run_id = ?').all(clusterRun.id) as { image_id: number; cluster: number; distance: number }[]).map((r) => [r.image_id, r]),
    );
    for (const row of rows) {
      const record = Object.fromEntries(header!.map((column, i) => [column, row[i] as string]));
      const imageId = Number(record.image_id);
      const assigned = assignments.get(imageId);
      expect(Number(record.cluster)).toBe(assigned?.cluster);
      expect(record.cluster_name).toBe(assigned?.cluster === 0 ? RENAMED : 'cluster 1');
      expect(Number(record.distance)).toBeCloseTo(assigned?.distance as number, 6);
      const box = [...boxes.values()].find((item) => item.imageId === imageId) as ImageBox;
      if (box.effective.status === 'rejected') expect(record.box_x0).toBe('');
      else expect([record.box_x0, record.box_y0, record.box_x1, record.box_y1].map(Number)).toEqual(box.effective.box);
      const fractions = (record.segments as string).split(' ').map((pair) => Number(pair.split(':')[1]));
      expect(fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('ImageFolder: one folder per cluster (named as renamed), symbolic links to the originals or copies', async () => {
    const summary = await exportLabels(project, { format: 'imagefolder', out: out('links'), ...runs() });
    await exportLabels(project, { format: 'imagefolder', out: out('copies'), ...runs(), imageFolderMode: 'copy' });
    // Images only: the box and mask runs named are neither read nor counted.
    expect(summary).toMatchObject({ images: IMAGES.length + 1, boxes: 0, masks: 0, runs: { clusterRunId: clusterRun.id, boxRunId: null, maskRunId: null } });
    const sizes = project.db.prepare('SELECT cluster, count(*) AS n FROM cluster_assignments WHERE run_id = ? GROUP BY cluster').all(clusterRun.id) as { cluster: number; n: number }[];
    // Characters no file system takes (here the quotes) become "_".
    const folderOf = (cluster: number) => (cluster === 0 ? 'shirts, _tops_ & co' : 'cluster 1');
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const { cluster, n } of sizes) {
      const links = walk(join(out('links'), folderOf(cluster)));
      const copies = walk(join(out('copies'), folderOf(cluster)));
      expect(links).toHaveLength(n);
      expect(copies).toHaveLength(n);
      for (const link of links) {
        expect(lstatSync(link).isSymbolicLink()).toBe(true);
        expect(readFileSync(link)).toEqual(readFileSync(readlinkSync(link)));
      }
      for (const copy of copies) expect(lstatSync(copy).isFile()).toBe(true);
    }
  });

  it('ImageFolder counts only the images it wrote: outliers are in no folder', async () => {
    const imageId = [...boxes.values()][0]!.imageId;
    await service.dispatch('clusters.outlier', { runId: clusterRun.id, imageIds: [imageId], outlier: true });
    try {
      const summary = await exportLabels(project, { format: 'imagefolder', out: out('without-outlier'), ...runs() });
      expect(summary.images).toBe(IMAGES.length);
    } finally {
      await service.dispatch('clusters.outlier', { runId: clusterRun.id, imageIds: [imageId], outlier: false });
    }
  });

  it('classes an ImageFolder named by its box run alone by that run\'s clustering run', async () => {
    const summary = await exportLabels(project, { format: 'imagefolder', out: out('by-box-run'), boxRunId: boxRun.id });
    expect(summary).toMatchObject({ images: IMAGES.length + 1, boxes: 0, runs: { clusterRunId: boxRun.clusterRunId, boxRunId: null } });
  });

  it('never overwrites without the flag, replaces whole with it, and leaves nothing behind on failure', async () => {
    const target = out('csv');
    const before = readFileSync(join(target, 'labels.csv'));
    await expect(exportLabels(project, { format: 'csv', out: target, ...runs() })).rejects.toThrow(ExportError);
    expect(readFileSync(join(target, 'labels.csv'))).toEqual(before);
    writeFileSync(join(target, 'stale.txt'), 'from before');
    await exportLabels(project, { format: 'csv', out: target, ...runs(), overwrite: true });
    expect(readdirSync(target)).toEqual(['labels.csv']);
    // A source image gone: the copy fails, and neither the output nor a scratch folder is left.
    const moved = join(root, 'photos', 'd.png');
    const bytes = readFileSync(moved);
    rmSync(moved);
    try {
      await expect(exportLabels(project, { format: 'imagefolder', out: out('broken'), ...runs(), imageFolderMode: 'copy' })).rejects.toThrow(/ENOENT/);
    } finally {
      writeFileSync(moved, bytes);
    }
    expect(readdirSync(join(root, 'out')).filter((name) => name.includes('broken'))).toEqual([]);
  });
});
