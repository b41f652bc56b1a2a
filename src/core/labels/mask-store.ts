// The SQLite side of segment-mask runs: the runs, one stored map per image (its PNG file under the
// project and its segment histogram), and the names people gave segments (kept apart, like cluster names).
import { join } from 'node:path';
import type { ImageMask, LegendEntry, MaskMember, MaskRun, SegmentInfo } from '../../shared/masks.ts';
import { MaskParameters } from '../../shared/masks.ts';
import { type Database, transaction } from '../store/database.ts';
import { DecisionsPresentError } from './box-store.ts';
import { segmentColour } from './segment-palette.ts';

export class MaskRunNotFoundError extends Error {
  override name = 'MaskRunNotFoundError';
}

interface RunRow {
  id: number;
  model_id: string;
  k: number;
  parameters: string;
  state: MaskRun['state'];
  job_id: number | null;
  centroid_file: string | null;
  created_at: string;
}

/** Where an image's map lives, relative to the project root. */
export function maskFile(runId: number, imageId: number): string {
  return join('masks', String(runId), `${imageId}.png`);
}

export function segmentCentroidFile(runId: number): string {
  return join('labels', `segments-${runId}.f32`);
}

export function defaultSegmentName(segment: number): string {
  return `segment ${segment}`;
}

export function segmentHex(segment: number): string {
  return `#${segmentColour(segment)
    .map((value) => value.toString(16).padStart(2, '0'))
    .join('')}`;
}

export class MaskStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(modelId: string, k: number, parameters: MaskParameters): MaskRun {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO mask_runs (model_id, k, parameters, state) VALUES (?, ?, ?, 'pending')")
      .run(modelId, k, JSON.stringify(parameters));
    return this.get(Number(lastInsertRowid));
  }

  get(runId: number): MaskRun {
    const row = this.db.prepare('SELECT * FROM mask_runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw new MaskRunNotFoundError(`No mask run #${runId} in this project.`);
    return this.toRun(row);
  }

  list(): MaskRun[] {
    return (this.db.prepare('SELECT * FROM mask_runs ORDER BY id').all() as unknown as RunRow[]).map((row) => this.toRun(row));
  }

  setJob(runId: number, jobId: number): void {
    this.db.prepare('UPDATE mask_runs SET job_id = ? WHERE id = ?').run(jobId, runId);
  }

  setState(runId: number, state: MaskRun['state']): void {
    this.db.prepare('UPDATE mask_runs SET state = ? WHERE id = ?').run(state, runId);
  }

  setCentroids(runId: number, file: string): void {
    this.db.prepare('UPDATE mask_runs SET centroid_file = ? WHERE id = ?').run(file, runId);
  }

  renameCount(runId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM segment_names WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** Forgets the fitted segments and the maps (the job refits and redraws); names stay, confirmed by `replace`. */
  clearComputed(runId: number, replace: boolean): void {
    const renamed = this.renameCount(this.get(runId).id);
    if (renamed > 0 && !replace) {
      throw new DecisionsPresentError(
        `Mask run #${runId} has ${renamed} renamed segment(s). Recomputing refits the segments, so a name may then describe a ` +
          'different segment (names are kept by segment number); confirm with replace: true (CLI: --replace).',
      );
    }
    transaction(this.db, () => {
      this.db.prepare('DELETE FROM image_masks WHERE run_id = ?').run(runId);
      this.db.prepare("UPDATE mask_runs SET state = 'pending', centroid_file = NULL WHERE id = ?").run(runId);
    });
  }

  saveMask(runId: number, imageId: number, map: { file: string; width: number; height: number; histogram: number[] }): void {
    this.db
      .prepare('INSERT OR REPLACE INTO image_masks (run_id, image_id, file, width, height, histogram) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, imageId, map.file, map.width, map.height, JSON.stringify(map.histogram));
  }

  /** The stored map file (relative to the project) of a registered, ok image; null otherwise. */
  storedFile(runId: number, imageId: number): string | null {
    const row = this.db
      .prepare("SELECT m.file FROM image_masks m JOIN images i ON i.id = m.image_id AND i.status = 'ok' WHERE m.run_id = ? AND m.image_id = ?")
      .get(runId, imageId) as { file: string } | undefined;
    return row?.file ?? null;
  }

  names(runId: number): Map<number, string> {
    const rows = this.db.prepare('SELECT segment, name FROM segment_names WHERE run_id = ?').all(runId) as { segment: number; name: string }[];
    return new Map(rows.map((row) => [row.segment, row.name]));
  }

  /** Every segment 0 … K−1 with its name, colour, and totals over the stored maps. */
  segments(runId: number): SegmentInfo[] {
    const run = this.get(runId);
    const images = new Array<number>(run.k).fill(0);
    const pixels = new Array<number>(run.k).fill(0);
    for (const { histogram } of this.db.prepare('SELECT histogram FROM image_masks WHERE run_id = ?').iterate(runId) as Iterable<{ histogram: string }>) {
      (JSON.parse(histogram) as number[]).forEach((count, segment) => {
        if (count === 0) return;
        images[segment]! += 1;
        pixels[segment]! += count;
      });
    }
    const names = this.names(runId);
    return Array.from({ length: run.k }, (_, id) => ({
      id,
      name: names.get(id) ?? defaultSegmentName(id),
      renamed: names.has(id),
      colour: segmentHex(id),
      images: images[id]!,
      pixels: pixels[id]!,
    }));
  }

  image(runId: number, imageId: number): ImageMask | null {
    this.get(runId);
    const row = this.db
      .prepare('SELECT m.width, m.height, m.histogram, i.rel_path AS relPath FROM image_masks m JOIN images i ON i.id = m.image_id WHERE m.run_id = ? AND m.image_id = ?')
      .get(runId, imageId) as { width: number; height: number; histogram: string; relPath: string } | undefined;
    if (!row) return null;
    const names = this.names(runId);
    const area = row.width * row.height;
    const legend: LegendEntry[] = (JSON.parse(row.histogram) as number[])
      .map((pixels, segment) => ({ segment, name: names.get(segment) ?? defaultSegmentName(segment), colour: segmentHex(segment), pixels, fraction: pixels / area }))
      .filter((entry) => entry.pixels > 0)
      .sort((a, b) => b.pixels - a.pixels || a.segment - b.segment);
    return { runId, imageId, relPath: row.relPath, width: row.width, height: row.height, legend };
  }

  /** Each stored map of the run with its histogram, in image id order (what exports read). */
  maps(runId: number): { imageId: number; file: string; width: number; height: number; histogram: number[] }[] {
    return (
      this.db.prepare('SELECT image_id AS imageId, file, width, height, histogram FROM image_masks WHERE run_id = ? ORDER BY image_id').all(runId) as {
        imageId: number;
        file: string;
        width: number;
        height: number;
        histogram: string;
      }[]
    ).map((row) => ({ ...row, histogram: JSON.parse(row.histogram) as number[] }));
  }

  /** A page of the run's maps: all by image id, or those containing `segment`, largest share first. */
  members(runId: number, segment: number | null, offset: number, limit: number): { total: number; items: MaskMember[] } {
    const run = this.get(runId);
    if (segment !== null && segment >= run.k) throw new RangeError(`Mask run #${runId} has segments 0 to ${run.k - 1}.`);
    const pixels = segment === null ? 'm.width * m.height' : `json_extract(m.histogram, '$[${segment}]')`;
    const where = segment === null ? '' : `AND ${pixels} > 0`;
    const order = segment === null ? 'm.image_id' : 'fraction DESC, m.image_id';
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM image_masks m WHERE m.run_id = ? ${where}`).get(runId) as { n: number };
    const items = this.db
      .prepare(
        `SELECT m.image_id AS imageId, i.rel_path AS relPath, ${pixels} AS pixels, CAST(${pixels} AS REAL) / (m.width * m.height) AS fraction
         FROM image_masks m JOIN images i ON i.id = m.image_id WHERE m.run_id = ? ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(runId, limit, offset) as unknown as MaskMember[];
    return { total: n, items };
  }

  rename(runId: number, segment: number, name: string): void {
    const run = this.get(runId);
    if (!Number.isInteger(segment) || segment < 0 || segment >= run.k) throw new RangeError(`Mask run #${runId} has segments 0 to ${run.k - 1}.`);
    this.db
      .prepare(
        "INSERT INTO segment_names (run_id, segment, name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET name = excluded.name, renamed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
      )
      .run(runId, segment, name);
  }

  private toRun(row: RunRow): MaskRun {
    const { images } = this.db.prepare('SELECT count(*) AS images FROM image_masks WHERE run_id = ?').get(row.id) as { images: number };
    return {
      id: row.id,
      modelId: row.model_id,
      k: row.k,
      parameters: MaskParameters.parse(JSON.parse(row.parameters)),
      state: row.state,
      jobId: row.job_id,
      images,
      centroidFile: row.centroid_file,
      renamed: this.renameCount(row.id),
      createdAt: row.created_at,
    };
  }
}
