// YOLO (Ultralytics/Darknet) detection labels: labels/<image path>.txt with one "class cx cy w h" line per
// box, all normalized by the image size; classes.txt lists class names by line (line i = class i);
// images.txt lists the source images, one absolute path per line, in the order of the labels.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExportData, ImageDone } from './export-data.ts';

export function labelFileName(name: string): string {
  return `${name.replace(/\.[^./]*$/, '')}.txt`;
}

const fixed = (value: number) => value.toFixed(6);

/** Returns how many images it wrote: those with a kept box. */
export async function writeYolo(data: ExportData, dir: string, imageDone: ImageDone = () => {}): Promise<number> {
  for (const image of data.images) {
    if (image.box) {
      const [x0, y0, x1, y1] = image.box.box;
      const line = [image.box.classId, fixed((x0 + x1) / 2 / image.width), fixed((y0 + y1) / 2 / image.height), fixed((x1 - x0) / image.width), fixed((y1 - y0) / image.height)].join(' ');
      const file = join(dir, 'labels', labelFileName(image.name));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `${line}\n`);
    }
    imageDone();
  }
  const boxed = data.images.filter((image) => image.box);
  await writeFile(join(dir, 'classes.txt'), data.clusters.map((c) => `${c.name.replace(/\s*\n\s*/g, ' ')}\n`).join(''));
  await writeFile(join(dir, 'images.txt'), boxed.map((image) => `${image.path}\n`).join(''));
  return boxed.length;
}
