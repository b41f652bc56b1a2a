// The 'export' job through the API, as the app's Export dialog drives it: every format written with
// per-image progress and recorded with its folder and counts; a cancel leaves nothing; an occupied,
// relative, in-project or unwritable folder is refused before any work; a full disk says what to do.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiFailure } from '../../src/core/api/service.ts';
import { describeWriteError } from '../../src/core/export/output-folder.ts';
import type { ExportFormatInfo, ExportRecord } from '../../src/shared/exports.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { type LabelledProject, labelledProject } from '../support/labelled-project.ts';
import type { PlantedImage } from '../support/planted-objects.ts';
import { tempDir } from '../support/temp.ts';

const IMAGES: PlantedImage[] = [
  { name: 'a.png', width: 96, height: 64, object: [48, 16, 80, 48] },
  { name: 'b.png', width: 64, height: 96, object: [16, 48, 48, 80] },
  { name: 'c.png', width: 80, height: 80, object: [0, 0, 32, 32] },
  { name: 'd.png', width: 112, height: 64, object: [64, 32, 96, 64] },
  { name: 'e.png', width: 72, height: 72, object: [8, 40, 40, 72] },
];

type Started = { export: ExportRecord; job: Job };

describe('export job through the API', () => {
  const root = tempDir();
  const out = (name: string) => join(root, 'out', name);
  let labelled: LabelledProject;
  const call = <T>(method: string, input: unknown) => labelled.service.dispatch(method, input) as Promise<T>;
  const runs = () => ({ clusterRunId: labelled.clusterRun.id, boxRunId: labelled.boxRun.id, maskRunId: labelled.maskRun.id });
  const refusal = async (input: unknown): Promise<ApiFailure> => {
    const failure = await call('export.start', input).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApiFailure);
    return failure as ApiFailure;
  };
  /** Entries left beside the output folders (scratch folders are hidden siblings). */
  const leftovers = (name: string) => (existsSync(join(root, 'out')) ? readdirSync(join(root, 'out')).filter((entry) => entry.includes(name)) : []);

  beforeAll(async () => {
    labelled = await labelledProject(root, { photos: IMAGES });
  }, 180_000);
  afterAll(async () => {
    await labelled.runner.stop();
    labelled.project.close();
  });

  it('lists the formats with what they hold and the runs they need', async () => {
    const { formats, suggestedFolder } = await call<{ formats: ExportFormatInfo[]; suggestedFolder: string }>('export.formats', {});
    expect(formats.map((f) => [f.format, f.requires])).toEqual([
      ['coco', null],
      ['yolo', 'box'],
      ['voc', 'box'],
      ['imagefolder', 'cluster'],
      ['csv', null],
    ]);
    expect(suggestedFolder).toBe(join(labelled.project.root, 'exports'));
  });

  it('writes every format as a job with per-image progress, and records each with its folder and counts', async () => {
    const expectedFiles: Record<string, (dir: string) => void> = {
      coco: (dir) => expect(JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')).images).toHaveLength(IMAGES.length),
      yolo: (dir) => {
        expect(readdirSync(join(dir, 'labels'))).toHaveLength(IMAGES.length);
        expect(readFileSync(join(dir, 'images.txt'), 'utf8').trim().split('\n')).toHaveLength(IMAGES.length);
      },
      voc: (dir) => expect(readdirSync(join(dir, 'Annotations'))).toHaveLength(IMAGES.length),
      imagefolder: (dir) => {
        const files = readdirSync(dir).flatMap((cluster) => readdirSync(join(dir, cluster)).map((name) => join(dir, cluster, name)));
        expect(files).toHaveLength(IMAGES.length);
        for (const file of files) expect(lstatSync(file).isFile()).toBe(true); // copy: true
      },
      csv: (dir) => expect(readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\r\n')).toHaveLength(IMAGES.length + 1),
    };
    const all = IMAGES.length;
    const expectedRecord: Record<string, object> = {
      coco: { images: all, boxes: all, masks: all, runs: runs() },
      yolo: { images: all, boxes: all, masks: 0, runs: { ...runs(), maskRunId: null } },
      voc: { images: all, boxes: all, masks: 0, runs: { ...runs(), maskRunId: null } },
      imagefolder: { images: all, boxes: 0, masks: 0, runs: { ...runs(), boxRunId: null, maskRunId: null } },
      csv: { images: all, boxes: all, masks: all, runs: runs() },
    };
    for (const format of Object.keys(expectedFiles)) {
      const started = await call<Started>('export.start', { format, outDir: out(format), ...runs(), copy: format === 'imagefolder' });
      expect(started.export).toMatchObject({ format, outDir: out(format), state: 'queued', images: null });
      const job = await labelled.runner.waitFor(started.job.id);
      expect(job).toMatchObject({ kind: 'export', state: 'done', done: IMAGES.length, total: IMAGES.length, error: null });
      expect(job.message).toContain(out(format));
      expectedFiles[format]?.(out(format));
      expect(leftovers(format)).toEqual([format]);
      const record = await call<ExportRecord>('export.get', { id: started.export.id });
      // The counts are what the files hold, and only the runs the format writes are recorded.
      expect(started.export.runs).toEqual(record.runs);
      expect(record).toMatchObject({ state: 'done', ...expectedRecord[format] });
      expect(record.finishedAt).not.toBeNull();
    }
    const listed = await call<ExportRecord[]>('export.list', {});
    expect(listed.slice(0, 5).map((record) => [record.format, record.outDir, record.state])).toEqual(
      Object.keys(expectedFiles)
        .reverse()
        .map((format) => [format, out(format), 'done']),
    );
  }, 120_000);

  it('a cancelled export leaves neither the folder nor a scratch folder', async () => {
    const started = await call<Started>('export.start', { format: 'imagefolder', outDir: out('cancelled'), ...runs(), copy: true });
    await call('jobs.cancel', { id: started.job.id });
    const job = await labelled.runner.waitFor(started.job.id);
    expect(job.state).toBe('cancelled');
    expect(leftovers('cancelled')).toEqual([]);
    expect((await call<ExportRecord>('export.get', { id: started.export.id })).state).toBe('cancelled');
  });

  it('refuses a non-empty folder unless overwrite, and then replaces it whole', async () => {
    const target = out('occupied');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'mine.txt'), 'keep me');
    const before = (await call<ExportRecord[]>('export.list', {})).length;
    const refused = await refusal({ format: 'csv', outDir: target, ...runs() });
    expect(refused.code).toBe('conflict');
    expect(refused.message).toMatch(/exists and is not empty/);
    expect(readdirSync(target)).toEqual(['mine.txt']);
    expect(await call<ExportRecord[]>('export.list', {})).toHaveLength(before); // nothing recorded, no job
    const started = await call<Started>('export.start', { format: 'csv', outDir: target, ...runs(), overwrite: true });
    expect((await labelled.runner.waitFor(started.job.id)).state).toBe('done');
    expect(readdirSync(target)).toEqual(['labels.csv']);
  });

  it('refuses folders it must not or cannot write, and formats without their source, before any work', async () => {
    const { root: projectRoot } = labelled.project;
    expect((await refusal({ format: 'coco', outDir: 'relative/out', ...runs() })).message).toMatch(/absolute path/);
    for (const inside of [projectRoot, join(projectRoot, 'thumbs'), join(projectRoot, 'exports')]) {
      const failure = await refusal({ format: 'coco', outDir: inside, ...runs() });
      expect(failure.code).toBe('bad_request');
      expect(failure.message).toMatch(/inside the project's own folders/);
    }
    const notAFolder = join(root, 'a-file');
    writeFileSync(notAFolder, 'x');
    expect((await refusal({ format: 'coco', outDir: join(notAFolder, 'out'), ...runs() })).message).toMatch(/is a file/);
    const noBoxes = await refusal({ format: 'yolo', outDir: out('no-boxes'), clusterRunId: labelled.clusterRun.id });
    expect(noBoxes.message).toMatch(/YOLO needs a box run/);
    // The project's exports/ folder is the one place inside it exports may go.
    const inExports = await call<Started>('export.start', { format: 'csv', outDir: join(projectRoot, 'exports', 'labels'), ...runs() });
    expect((await labelled.runner.waitFor(inExports.job.id)).state).toBe('done');
    expect(existsSync(join(projectRoot, 'exports', 'labels', 'labels.csv'))).toBe(true);
  });

  it('a full disk fails with a message that says nothing was written and what to do', async () => {
    // /dev/full answers every write with a real ENOSPC.
    const full = await writeFile('/dev/full', 'x').then(
      () => null,
      (error: unknown) => error,
    );
    expect((full as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const described = describeWriteError(full, out('big')) as Error;
    expect(described.name).toBe('ExportError');
    expect(described.message).toMatch(/is full \(ENOSPC\); nothing was written\. Free some space or choose a folder on another disk/);
    expect(described.message).toContain(join(root, 'out'));
  });
});
