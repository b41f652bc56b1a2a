// The on-disk feature arrays: features/<model-id>.<kind>.f16, one row per image, row-major float16
// (little-endian), no header, so a reader can memory-map it given the row shape kept in SQLite.
// Rows are written at explicit offsets: a row written but not yet indexed (crash in between) is
// simply overwritten by the next run.
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureKind } from '../../shared/models.ts';
import type { Project } from '../project/project.ts';
import { decodeHalf, encodeHalf } from './float16.ts';

const BYTES_PER_VALUE = 2;

export function featuresDir(project: Project): string {
  return join(project.root, 'features');
}

export function featureFilePath(project: Project, modelId: string, kind: FeatureKind): string {
  return join(featuresDir(project), `${modelId}.${kind}.f16`);
}

export class FeatureFileWriter {
  private readonly fd: number;
  private readonly rowFloats: number;

  constructor(path: string, rowFloats: number) {
    mkdirSync(join(path, '..'), { recursive: true });
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    this.rowFloats = rowFloats;
  }

  /** Writes consecutive rows starting at `firstRow`; `values` holds whole rows. */
  writeRows(firstRow: number, values: Float32Array): void {
    const bytes = encodeHalf(values);
    writeSync(this.fd, bytes, 0, bytes.length, firstRow * this.rowFloats * BYTES_PER_VALUE);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads the given rows (in the order given) into one float32 matrix. */
export function readRows(path: string, rowFloats: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * rowFloats);
  if (rows.length === 0) return out;
  const rowBytes = rowFloats * BYTES_PER_VALUE;
  const buffer = Buffer.allocUnsafe(rowBytes);
  const fd = openSync(path, 'r');
  try {
    rows.forEach((row, i) => {
      const read = readSync(fd, buffer, 0, rowBytes, row * rowBytes);
      if (read !== rowBytes) throw new Error(`${path} is shorter than its index says (row ${row})`);
      decodeHalf(buffer, out.subarray(i * rowFloats, (i + 1) * rowFloats));
    });
  } finally {
    closeSync(fd);
  }
  return out;
}
