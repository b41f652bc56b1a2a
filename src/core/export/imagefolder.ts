// ImageFolder (torchvision's layout): one folder per cluster, named after the cluster (as people renamed
// it), holding the cluster's images as symbolic links to the originals or as copies.
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExportData, ImageDone } from './export-data.ts';

export type ImageFolderMode = 'symlink' | 'copy';

/** A cluster name as one safe folder name; the id keeps two clusters of the same name apart. */
export function clusterFolderName(id: number, name: string, duplicated: boolean): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const safe = name.replace(/[/\\:*?"<>|\u0000-\u001f]+/g, '_').replace(/^\.+/, '_').trim() || `cluster ${id}`;
  return duplicated ? `${safe} (${id})` : safe;
}

/** Returns how many images it wrote: those in a cluster (outliers are in none). */
export async function writeImageFolder(data: ExportData, dir: string, mode: ImageFolderMode, imageDone: ImageDone = () => {}): Promise<number> {
  if (data.runs.clusterRunId === null) throw new Error('ImageFolder needs a clustering run: one folder per cluster.');
  const counts = new Map<string, number>();
  for (const c of data.clusters) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  const folders = new Map(data.clusters.map((c) => [c.id, clusterFolderName(c.id, c.name, (counts.get(c.name) ?? 0) > 1)]));
  let written = 0;
  for (const image of data.images) {
    if (image.cluster) {
      const file = join(dir, folders.get(image.cluster.id) as string, image.name);
      await mkdir(dirname(file), { recursive: true });
      await (mode === 'copy' ? copyFile(image.path, file) : symlink(image.path, file));
      written++;
    }
    imageDone();
  }
  return written;
}
