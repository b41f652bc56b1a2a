// COCO detection/segmentation JSON (cocodataset.org/#format-data). Categories: the clusters (ids 1…k, for
// boxes; supercategory "cluster") then the segments (ids k+1…k+K, for masks; supercategory "segment").
// Boxes: bbox [x, y, width, height]. Masks: one annotation per segment present in an image, its pixels as
// compressed RLE (COCO's string form, iscrowd 0), with the segment's tight bbox and pixel area.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSegmentPng } from '../labels/segment-png.ts';
import { compressRle, rleCounts, valueBounds } from './coco-rle.ts';
import type { ExportData, ImageDone } from './export-data.ts';

export const COCO_FILE = 'annotations.json';

interface Annotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: number[];
  area: number;
  iscrowd: 0;
  segmentation?: { size: [number, number]; counts: string };
}

/** Returns how many images it wrote: every image, with or without annotations. */
export async function writeCoco(data: ExportData, dir: string, imageDone: ImageDone = () => {}): Promise<number> {
  const clusterCategory = (id: number) => id + 1;
  const segmentCategory = (id: number) => data.clusters.length + id + 1;
  const categories = [
    ...data.clusters.map((c) => ({ id: clusterCategory(c.id), name: c.name, supercategory: 'cluster' })),
    ...data.segments.map((s) => ({ id: segmentCategory(s.id), name: s.name, supercategory: 'segment' })),
  ];
  const annotations: Annotation[] = [];
  for (const image of data.images) {
    if (image.box) {
      const [x0, y0, x1, y1] = image.box.box;
      annotations.push({ id: annotations.length + 1, image_id: image.id, category_id: clusterCategory(image.box.classId), bbox: [x0, y0, x1 - x0, y1 - y0], area: (x1 - x0) * (y1 - y0), iscrowd: 0 });
    }
    if (image.mask) {
      const { map, width, height } = await decodeSegmentPng(await readFile(image.mask.file));
      image.mask.histogram.forEach((pixels, segment) => {
        if (pixels === 0) return;
        annotations.push({
          id: annotations.length + 1,
          image_id: image.id,
          category_id: segmentCategory(segment),
          bbox: valueBounds(map, width, height, segment) as number[],
          area: pixels,
          iscrowd: 0,
          segmentation: { size: [height, width], counts: compressRle(rleCounts(map, width, height, segment)) },
        });
      });
    }
    imageDone();
  }
  const coco = {
    info: { description: 'selfguide self-labels', version: '1', date_created: new Date().toISOString(), ...data.runs },
    licenses: [],
    images: data.images.map((image) => ({
      id: image.id,
      file_name: image.name,
      width: image.width,
      height: image.height,
      path: image.path,
      ...(image.cluster ? { cluster: clusterCategory(image.cluster.id), cluster_distance: image.cluster.distance } : {}),
    })),
    categories,
    annotations,
  };
  await writeFile(join(dir, COCO_FILE), JSON.stringify(coco));
  return coco.images.length;
}
