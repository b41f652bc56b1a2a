import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../../src/core/ingest/formats.ts';
import { HEIC_FIXTURE, bmp, pixels } from '../support/images.ts';

describe('sniffFormat', () => {
  it('recognises each format by content', async () => {
    const image = pixels(8, 8, 1);
    expect(sniffFormat(await image.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await image.clone().png().toBuffer())).toBe('png');
    expect(sniffFormat(await image.clone().webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await image.clone().avif().toBuffer())).toBe('avif');
    expect(sniffFormat(await image.clone().tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(await image.clone().gif().toBuffer())).toBe('gif');
    expect(sniffFormat(bmp(4, 4, [1, 2, 3]))).toBe('bmp');
    expect(sniffFormat(readFileSync(HEIC_FIXTURE))).toBe('heic');
  });

  it('rejects what is not an image, whatever its name', () => {
    expect(sniffFormat(Buffer.from('just some text'))).toBeNull();
    expect(sniffFormat(Buffer.alloc(0))).toBeNull();
    expect(sniffFormat(Buffer.from('BM'))).toBeNull();
  });
});
