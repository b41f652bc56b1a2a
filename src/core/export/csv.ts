// One CSV row per image (RFC 4180 quoting): its path, cluster, distance to the centroid, box and box
// status, and the segments of its map as "id:fraction" pairs (largest first, separated by spaces).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportData, ExportImage, ImageDone } from './export-data.ts';

export const CSV_FILE = 'labels.csv';
export const CSV_COLUMNS = ['image_id', 'file', 'path', 'width', 'height', 'cluster', 'cluster_name', 'distance', 'box_x0', 'box_y0', 'box_x1', 'box_y1', 'box_class', 'box_status', 'segments'];

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function segments(image: ExportImage): string {
  if (!image.mask) return '';
  const area = image.width * image.height;
  return image.mask.histogram
    .map((pixels, id) => ({ id, pixels }))
    .filter((entry) => entry.pixels > 0)
    .sort((a, b) => b.pixels - a.pixels || a.id - b.id)
    .map((entry) => `${entry.id}:${(entry.pixels / area).toFixed(6)}`)
    .join(' ');
}

/** Returns how many images it wrote: one row each. */
export async function writeCsv(data: ExportData, dir: string, imageDone: ImageDone = () => {}): Promise<number> {
  const rows = data.images.map((image) => {
    const box = image.box?.box ?? [null, null, null, null];
    imageDone();
    return [image.id, image.name, image.path, image.width, image.height, image.cluster?.id ?? null, image.cluster?.name ?? null, image.cluster?.distance ?? null, ...box, image.box?.classId ?? null, image.box?.status ?? null, segments(image)]
      .map(csvField)
      .join(',');
  });
  await writeFile(join(dir, CSV_FILE), [CSV_COLUMNS.join(','), ...rows].map((row) => `${row}\r\n`).join(''));
  return rows.length;
}
