// Pascal VOC XML: Annotations/<image path>.xml per boxed image. VOC pixel coordinates are 1-based and
// inclusive, so a box [x0, y0, x1, y1) becomes xmin = x0 + 1, ymin = y0 + 1, xmax = x1, ymax = y1.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ExportData, ExportImage, ImageDone } from './export-data.ts';

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

export function vocFileName(name: string): string {
  return `${name.replace(/\.[^./]*$/, '')}.xml`;
}

function annotation(image: ExportImage, className: string): string {
  const [x0, y0, x1, y1] = image.box?.box as [number, number, number, number];
  return `<annotation>
  <folder>${xmlEscape(dirname(image.name))}</folder>
  <filename>${xmlEscape(basename(image.name))}</filename>
  <path>${xmlEscape(image.path)}</path>
  <source><database>selfguide</database></source>
  <size><width>${image.width}</width><height>${image.height}</height><depth>3</depth></size>
  <segmented>0</segmented>
  <object>
    <name>${xmlEscape(className)}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox><xmin>${x0 + 1}</xmin><ymin>${y0 + 1}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox>
  </object>
</annotation>
`;
}

/** Returns how many images it wrote: those with a kept box. */
export async function writeVoc(data: ExportData, dir: string, imageDone: ImageDone = () => {}): Promise<number> {
  const names = new Map(data.clusters.map((c) => [c.id, c.name]));
  let written = 0;
  for (const image of data.images) {
    if (image.box) {
      const file = join(dir, 'Annotations', vocFileName(image.name));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, annotation(image, names.get(image.box.classId) ?? String(image.box.classId)));
      written++;
    }
    imageDone();
  }
  return written;
}
