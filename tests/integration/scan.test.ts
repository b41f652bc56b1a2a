import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { thumbnailPath } from '../../src/core/ingest/thumbnails.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { type ExpectedImage, bmp, pixels, writeBrokenFiles, writeEveryFormat } from '../support/images.ts';
import { rows, scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

describe('scan', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  let project: Project;
  let expected: ExpectedImage[];
  let broken: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(photos);
    expected = await writeEveryFormat(photos);
    broken = await writeBrokenFiles(photos);
    copyFileSync(join(photos, 'a.jpg'), join(photos, 'nested', 'a-copy.jpg'));
    copyFileSync(join(photos, 'a.jpg'), join(photos, 'a-copy-2.jpg'));
    // EXIF orientation 6 (rotate 90°): stored 40×20, displayed 20×40.
    await pixels(40, 20, 7).jpeg().withMetadata({ orientation: 6 }).toFile(join(photos, 'rotated.jpg'));
    // Not images by extension: ignored entirely.
    writeFileSync(join(photos, 'readme.txt'), 'hello');
    // A symlink loop and a link to a folder seen already: must not hang or double count.
    symlinkSync(photos, join(photos, 'nested', 'loop'));
    symlinkSync(join(photos, 'missing-target.jpg'), join(photos, 'dangling.jpg'));
    // A FIFO named like an image would block a naive read forever.
    execFileSync('mkfifo', [join(photos, 'pipe.jpg')]);
    project = createProject(join(root, 'project'));
  });

  it('records every supported format with its real size, and broken files with the reason', async () => {
    const { job } = await scanFolders(project, [photos]);
    expect(job.state).toBe('done');
    const recorded = rows(project);
    for (const image of expected) {
      const row = recorded.get(image.relPath);
      expect(row, image.relPath).toBeDefined();
      expect(row).toMatchObject({ status: 'ok', format: image.format, width: image.width, height: image.height });
      expect(existsSync(thumbnailPath(project.thumbsDir, row?.sha256 as string))).toBe(true);
    }
    for (const [relPath, reason] of Object.entries(broken)) {
      const row = recorded.get(relPath);
      expect(row?.status, relPath).toBe('broken');
      expect(row?.error?.toLowerCase()).toContain(reason);
    }
    expect(job.failedItems).toBe(Object.keys(broken).length);
    expect(recorded.has('readme.txt')).toBe(false);
    expect(recorded.has('pipe.jpg')).toBe(false);
    expect(recorded.has('dangling.jpg')).toBe(false);
    expect([...recorded.keys()].some((path) => path.includes('loop'))).toBe(false);
    expect(job.message).toContain('dangling.jpg');
  });

  it('decodes thumbnails that are real pictures of the image, upright', async () => {
    const rotated = rows(project).get('rotated.jpg');
    expect(rotated).toMatchObject({ width: 20, height: 40 });
    const thumb = await sharp(thumbnailPath(project.thumbsDir, rotated?.sha256 as string)).metadata();
    expect([thumb.width, thumb.height]).toEqual([20, 40]);
    const heic = rows(project).get('h.heic');
    const { data, info } = await sharp(thumbnailPath(project.thumbsDir, heic?.sha256 as string)).raw().toBuffer({ resolveWithObject: true });
    // The fixture's top-left quadrant is (220, 200, 90).
    const topLeft = [...data.subarray(0, 3)];
    expect(info.width).toBe(64);
    topLeft.forEach((value, channel) => expect(Math.abs(value - ([220, 200, 90][channel] as number))).toBeLessThan(25));
  });

  it('groups identical files', () => {
    const recorded = rows(project);
    const group = ['a.jpg', 'a-copy-2.jpg', 'nested/a-copy.jpg'].map((path) => recorded.get(path));
    expect(new Set(group.map((row) => row?.sha256)).size).toBe(1);
    group.forEach((row) => expect(row?.duplicate_count).toBe(3));
    expect(recorded.get('b.png')?.duplicate_count).toBe(1);
  });

  it('rescans only new or changed files and marks removed ones missing', async () => {
    const before = rows(project);
    await pixels(50, 50, 11).png().toFile(join(photos, 'new.png'));
    await pixels(30, 20, 12).png().toFile(join(photos, 'b.png'));
    utimesSync(join(photos, 'b.png'), new Date(), new Date(Date.now() + 5000));
    rmSync(join(photos, 'c.webp'));
    rmSync(join(photos, 'a-copy-2.jpg'));
    const { job } = await scanFolders(project);
    expect(job.state).toBe('done');
    expect(job.total).toBe(2); // only new.png and the changed b.png were decoded
    const after = rows(project);
    expect(after.get('new.png')).toMatchObject({ status: 'ok', width: 50, height: 50 });
    expect(after.get('b.png')?.sha256).not.toBe(before.get('b.png')?.sha256);
    expect(after.get('c.webp')?.status).toBe('missing');
    expect(after.get('nested/e.tiff')?.scanned_at).toBe(before.get('nested/e.tiff')?.scanned_at);
    expect(after.get('a.jpg')?.duplicate_count).toBe(2);
    const again = await scanFolders(project);
    expect(again.job.total).toBe(0);
  });

  it('reports monotonic progress against the total while it runs', async () => {
    const many = join(root, 'many');
    mkdirSync(many);
    for (let i = 0; i < 300; i++) await pixels(64, 64, i).jpeg().toFile(join(many, `m${String(i).padStart(3, '0')}.jpg`));
    const { job, events } = await scanFolders(project, [many]);
    expect(job.state).toBe('done');
    const progress = events.flatMap((event) => (event.type === 'job' && event.job.id === job.id ? [event.job] : []));
    const decoding = progress.filter((update) => update.phase === 'decoding' && update.total === 300);
    expect(decoding.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.done).toBe(300);
    const done = decoding.map((update) => update.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(events.some((event) => event.type === 'library.changed')).toBe(true);
  });

  it('records files over the pixel limit as broken without decoding them, with their size and the limit, in every format', async () => {
    const big = join(root, 'big');
    mkdirSync(big);
    const image = pixels(300, 200, 13);
    await image.clone().jpeg().toFile(join(big, 'large.jpg'));
    await image.clone().png().toFile(join(big, 'large.png'));
    await image.clone().webp().toFile(join(big, 'large.webp'));
    await image.clone().tiff().toFile(join(big, 'large.tiff'));
    await image.clone().gif().toFile(join(big, 'large.gif'));
    await image.clone().avif().toFile(join(big, 'large.avif'));
    writeFileSync(join(big, 'large.bmp'), bmp(300, 200, [10, 20, 30]));
    project.settings.set('maxPixels', 10_000);
    try {
      await scanFolders(project, [big]);
    } finally {
      project.settings.set('maxPixels', 268_402_689);
    }
    const recorded = rows(project);
    for (const name of ['large.jpg', 'large.png', 'large.webp', 'large.tiff', 'large.gif', 'large.avif', 'large.bmp']) {
      expect(recorded.get(name), name).toMatchObject({ status: 'broken', error: 'over the pixel limit (300×200 > 10,000 pixels)' });
    }
  });

  it('reports a header that claims a huge image as over the pixel limit, not as corrupt', async () => {
    const huge = join(root, 'huge');
    mkdirSync(huge);
    // Real headers with the sizes changed: nothing this big is ever decoded.
    writeFileSync(join(huge, 'huge.png'), withPngSize(await pixels(8, 8, 14).png().toBuffer(), 100_000, 100_000));
    writeFileSync(join(huge, 'huge.jpg'), withJpegSize(await pixels(8, 8, 15).jpeg().toBuffer(), 60_000, 50_000));
    await scanFolders(project, [huge]);
    const recorded = rows(project);
    expect(recorded.get('huge.png')).toMatchObject({ status: 'broken', error: 'over the pixel limit (100000×100000 > 268,402,689 pixels)' });
    expect(recorded.get('huge.jpg')).toMatchObject({ status: 'broken', error: 'over the pixel limit (60000×50000 > 268,402,689 pixels)' });
  });
});

/** The PNG with its IHDR saying width×height (and the chunk's CRC fixed). */
function withPngSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** The baseline JPEG with its SOF0 frame header saying width×height. */
function withJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  const sof = out.indexOf(Buffer.from([0xff, 0xc0]));
  expect(sof).toBeGreaterThan(0);
  out.writeUInt16BE(height, sof + 5);
  out.writeUInt16BE(width, sof + 7);
  return out;
}
