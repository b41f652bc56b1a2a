// thumbs/ is a cache: a project without it (deleted, or a copy made without it) says so for each
// thumbnail, and a rescan rebuilds the lost thumbnails without decoding the files that still have theirs.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbnailPath } from '../../src/core/ingest/thumbnails.ts';
import { readAsset } from '../../src/core/library/assets.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { pixels } from '../support/images.ts';
import { rows, scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

describe('lost thumbnails', () => {
  const root = tempDir();
  let project: Project;
  const idOf = (relPath: string) => (project.db.prepare('SELECT id FROM images WHERE rel_path = ?').get(relPath) as { id: number }).id;
  const thumbOf = (relPath: string) => readAsset(project, 'thumb', idOf(relPath));

  beforeAll(async () => {
    const photos = join(root, 'photos');
    mkdirSync(photos);
    for (let i = 0; i < 5; i++) await pixels(40, 30, i).jpeg().toFile(join(photos, `p${i}.jpg`));
    copyFileSync(join(photos, 'p0.jpg'), join(photos, 'p0-copy.jpg')); // identical files share one thumbnail
    project = createProject(join(root, 'project'));
    expect((await scanFolders(project, [photos])).job.total).toBe(6);
  });
  afterAll(() => project.close());

  it('says a thumbnail is missing and that a rescan rebuilds it, and a rescan rebuilds them all', async () => {
    expect(await thumbOf('p1.jpg')).toMatchObject({ mime: 'image/jpeg' });
    rmSync(project.thumbsDir, { recursive: true });

    expect(await thumbOf('p1.jpg')).toEqual({
      missing: `the thumbnail of image ${idOf('p1.jpg')} is missing from ${project.thumbsDir}; rescan the library (Rescan, or selfguide scan) to rebuild it`,
    });
    expect(await readAsset(project, 'thumb', 424242)).toBeNull(); // no such image: not the same answer
    expect(await readAsset(project, 'preview', idOf('p1.jpg'))).toMatchObject({ mime: 'image/jpeg' });

    const { job } = await scanFolders(project);
    expect(job.state).toBe('done');
    expect(job.total).toBe(5); // one decode per distinct content: p0.jpg and its copy share a thumbnail
    for (const row of rows(project).values()) expect(existsSync(thumbnailPath(project.thumbsDir, row.sha256 as string)), row.rel_path).toBe(true);
    for (const relPath of ['p0.jpg', 'p0-copy.jpg', 'p4.jpg']) {
      const served = await thumbOf(relPath);
      if (!served || 'missing' in served) throw new Error(`${relPath}: no thumbnail`);
      expect(await sharp(served.data).metadata()).toMatchObject({ format: 'jpeg', width: 40, height: 30 });
    }
    expect(rows(project).get('p0-copy.jpg')?.duplicate_count).toBe(2);
  });

  it('decodes only the files whose thumbnail is gone', async () => {
    expect((await scanFolders(project)).job.total).toBe(0);
    const p3 = rows(project).get('p3.jpg');
    rmSync(thumbnailPath(project.thumbsDir, p3?.sha256 as string));
    const { job } = await scanFolders(project);
    expect(job.total).toBe(1);
    expect(existsSync(thumbnailPath(project.thumbsDir, p3?.sha256 as string))).toBe(true);
    expect(rows(project).get('p3.jpg')).toMatchObject({ status: 'ok', sha256: p3?.sha256, width: 40, height: 30 });
  });
});
