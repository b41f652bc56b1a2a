// The on-disk feature arrays: features/<model-id>.<kind>.f16, one row per image, row-major float16
// (little-endian), no header, so a reader can memory-map it given the row shape kept in SQLite.
// Rows are written at explicit offsets: a row written but not yet indexed (crash in between) is
// simply overwritten by the next run.
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
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

/**
 * How many whole rows the file holds (0 when it does not exist). The index may claim more when the file
 * was truncated or only partly written: those rows are not there to read.
 */
export function storedRows(path: string, rowFloats: number): number {
  if (!existsSync(path)) return 0;
  return Math.floor(statSync(path).size / (rowFloats * BYTES_PER_VALUE));
}

/** Rows read with one system call at most (consecutive rows are read together). */
const MAX_READ_BYTES = 4 << 20;

/** Reads the given rows (in the order given) into one float32 matrix. */
export function readRows(path: string, rowFloats: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * rowFloats);
  if (rows.length === 0) return out;
  const rowBytes = rowFloats * BYTES_PER_VALUE;
  const perRead = Math.max(1, Math.floor(MAX_READ_BYTES / rowBytes));
  const buffer = Buffer.allocUnsafe(Math.min(perRead, rows.length) * rowBytes);
  const fd = openSync(path, 'r');
  try {
    for (let i = 0; i < rows.length; ) {
      // A run of consecutive row numbers (the common case when reading in file order) is one read.
      let n = 1;
      while (n < perRead && i + n < rows.length && rows[i + n] === (rows[i] as number) + n) n++;
      const bytes = n * rowBytes;
      if (readSync(fd, buffer, 0, bytes, (rows[i] as number) * rowBytes) !== bytes) {
        throw new Error(`${path} is shorter than its index says (rows ${rows[i]}…${(rows[i] as number) + n - 1})`);
      }
      decodeHalf(buffer.subarray(0, bytes), out.subarray(i * rowFloats, (i + n) * rowFloats));
      i += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
