// Ground truth from a CSV (`file,label` or `path,label`) or from folder names. CSV rows are matched to
// images by absolute path, path relative to their folder, or (when unique) file name; rows that match
// no image, or several, are reported rather than guessed.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { LabelImport, UnmatchedRow } from '../../shared/clusters.ts';
import type { Project } from '../project/project.ts';
import { parseCsv } from './csv-rows.ts';
import { LabellingStore } from './labelling-store.ts';

const REPORTED_UNMATCHED = 100;

interface ImageRow {
  id: number;
  root: string;
  rel_path: string;
}

export class LabelImportError extends Error {
  override name = 'LabelImportError';
}

function projectImages(project: Project): ImageRow[] {
  return project.db.prepare('SELECT i.id, f.path AS root, i.rel_path FROM images i JOIN folders f ON f.id = i.folder_id ORDER BY i.id').all() as unknown as ImageRow[];
}

function groupBy(images: ImageRow[], key: (image: ImageRow) => string): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const image of images) map.set(key(image), [...(map.get(key(image)) ?? []), image.id]);
  return map;
}

export function importLabelsCsv(project: Project, csvPath: string, name: string = basename(csvPath)): LabelImport {
  if (!existsSync(csvPath)) throw new LabelImportError(`${csvPath}: no such file.`);
  const [header, ...rows] = parseCsv(readFileSync(csvPath, 'utf8'));
  const columns = (header?.fields ?? []).map((field) => field.trim().toLowerCase());
  const fileColumn = columns.findIndex((column) => column === 'file' || column === 'path');
  const labelColumn = columns.indexOf('label');
  if (fileColumn < 0 || labelColumn < 0) throw new LabelImportError(`${csvPath}: the first row must name a "file" (or "path") and a "label" column.`);

  const images = projectImages(project);
  const byPath = groupBy(images, (image) => join(image.root, image.rel_path));
  const byRelPath = groupBy(images, (image) => image.rel_path);
  const byName = groupBy(images, (image) => basename(image.rel_path));
  const labels = new Map<number, string>();
  const unmatched: UnmatchedRow[] = [];
  for (const { line, fields } of rows) {
    const file = (fields[fileColumn] ?? '').trim().replaceAll('\\', '/');
    const label = (fields[labelColumn] ?? '').trim();
    const ids = (isAbsolute(file) ? byPath.get(resolve(file)) : byRelPath.get(file)) ?? byName.get(basename(file)) ?? [];
    if (!file || !label) unmatched.push({ line, file, reason: 'empty file or label' });
    else if (ids.length === 1) labels.set(ids[0] as number, label);
    else unmatched.push({ line, file, reason: ids.length === 0 ? 'no image with this path or file name' : `${ids.length} images have this file name` });
  }
  const labelling = new LabellingStore(project.db).save(name, `csv:${resolve(csvPath)}`, labels);
  return { labelling, matched: labels.size, unmatchedCount: unmatched.length, unmatched: unmatched.slice(0, REPORTED_UNMATCHED) };
}

/** Each image's label is the name of the folder it sits in (the registered folder's, at its top level). */
export function importLabelsFromFolders(project: Project, name = 'folders'): LabelImport {
  const labels = new Map<number, string>();
  for (const image of projectImages(project)) labels.set(image.id, basename(dirname(join(image.root, image.rel_path))));
  const labelling = new LabellingStore(project.db).save(name, 'folders', labels);
  return { labelling, matched: labels.size, unmatchedCount: 0, unmatched: [] };
}
