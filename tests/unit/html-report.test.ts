import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../src/core/report/html-report.ts';
import { tempDir } from '../support/temp.ts';

describe('writeHtmlReport', () => {
  const root = tempDir();
  it('writes numbers, escaped tables and embedded images into one self-contained file', async () => {
    const dir = join(root, 'a');
    await mkdir(dir);
    const png = join(dir, 'grid.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } }).png().toFile(png);
    const file = join(dir, 'report.html');
    await writeHtmlReport(file, {
      title: 'Demo <report>',
      sections: [
        { title: 'Clusters', numbers: [['NMI', 0.26312345], ['images', 1000]] },
        { title: 'Table', table: { columns: ['name', 'count'], rows: [['a & b', 3]] } },
        { title: 'Samples', images: [{ caption: 'w = 2', file: png }] },
      ],
    });
    const html = await readFile(file, 'utf8');
    expect(html).toContain('<title>Demo &#60;report&#62;</title>');
    expect(html).toContain('<dt>NMI</dt><dd>0.2631</dd>');
    expect(html).toContain('<dd>1000</dd>');
    expect(html).toContain('<td>a &#38; b</td><td>3</td>');
    const embedded = /<img src="data:image\/png;base64,([^"]+)" alt="w = 2">/.exec(html);
    expect(embedded).not.toBeNull();
    expect(Buffer.from(embedded![1]!, 'base64').equals(await readFile(png))).toBe(true);
    expect(html).not.toMatch(/src="(?!data:)/);
  });

  it('refuses an image format it cannot embed and leaves no file behind', async () => {
    const dir = join(root, 'b');
    await mkdir(dir);
    const file = join(dir, 'report.html');
    await expect(writeHtmlReport(file, { title: 't', sections: [{ title: 's', images: [{ caption: 'x', file: join(dir, 'a.gif') }] }] }))
      .rejects.toThrow(/only PNG and JPEG/);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });
});
