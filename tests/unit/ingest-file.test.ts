import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFile } from '../../src/core/ingest/ingest-file.ts';
import { pixels } from '../support/images.ts';
import { tempDir } from '../support/temp.ts';

const options = { maxPixels: 1e8, thumbnailSize: 64 };
const noTwin = () => null;

describe('ingestFile', () => {
  const root = tempDir();
  const thumbs = join(root, 'thumbs');
  mkdirSync(thumbs);

  it('reports a file that vanished after it was listed, instead of failing', async () => {
    const item = { folderId: 1, root, file: { relPath: 'gone.jpg', bytes: 10, mtimeMs: 1 }, knownId: 7 };
    expect(await ingestFile(item, options, thumbs, noTwin)).toBe('vanished');
  });

  it('records a directory named like an image as unreadable', async () => {
    mkdirSync(join(root, 'folder.jpg'));
    const item = { folderId: 1, root, file: { relPath: 'folder.jpg', bytes: 0, mtimeMs: 1 }, knownId: null };
    const record = await ingestFile(item, options, thumbs, noTwin);
    expect(record).toMatchObject({ status: 'broken', error: 'unreadable: is a directory' });
  });

  it('reuses what it knows of an identical, already decoded file', async () => {
    const bytes = await pixels(20, 10, 3).png().toBuffer();
    writeFileSync(join(root, 'one.png'), bytes);
    const first = await ingestFile({ folderId: 1, root, file: { relPath: 'one.png', bytes: bytes.length, mtimeMs: 1 }, knownId: null }, options, thumbs, noTwin);
    expect(first).toMatchObject({ status: 'ok', width: 20, height: 10, format: 'png' });
    const firstSha = (first as { sha256: string }).sha256;
    // Same bytes → same sha256 → the twin's facts are used and nothing is decoded again.
    writeFileSync(join(root, 'two.png'), bytes);
    const twin = { format: 'png', width: 20, height: 10, orientation: null };
    let asked: string | null = null;
    const second = await ingestFile(
      { folderId: 1, root, file: { relPath: 'two.png', bytes: bytes.length, mtimeMs: 1 }, knownId: null },
      options,
      thumbs,
      (sha) => ((asked = sha), twin),
    );
    expect(asked).toBe(firstSha);
    expect(second).toMatchObject({ status: 'ok', width: 20, height: 10, sha256: asked });
  });
});
