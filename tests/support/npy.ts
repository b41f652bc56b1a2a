// A minimal .npy (NumPy format 1.0) reader and writer for little-endian float32 C-order arrays: the
// format the trainer reads with np.load and writes with np.save.
import { readFileSync, writeFileSync } from 'node:fs';

const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]);

export function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new RangeError(`shape [${shape}] does not hold ${data.length} values`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // the whole preamble is padded with spaces to a multiple of 64 bytes and ends with a newline
  header += ' '.repeat(64 - ((MAGIC.length + 2 + header.length + 1) % 64)) + '\n';
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([MAGIC, length, Buffer.from(header, 'latin1'), body]));
}

export function readNpy(path: string): { data: Float32Array; shape: number[] } {
  const file = readFileSync(path);
  if (!file.subarray(0, 6).equals(MAGIC.subarray(0, 6))) throw new Error(`${path} is not a .npy file`);
  const major = file[6];
  const headerLength = major === 1 ? file.readUInt16LE(8) : file.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = file.subarray(start, start + headerLength).toString('latin1');
  if (!/'descr': '<f4'/.test(header) || /'fortran_order': True/.test(header)) {
    throw new Error(`${path}: only little-endian float32 C-order arrays are supported (header ${header.trim()})`);
  }
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').filter((s) => s.trim()).map(Number);
  const bytes = file.subarray(start + headerLength);
  // copy: the Buffer's offset in its pool need not be 4-byte aligned
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${path}: ${data.length} values for shape [${shape}]`);
  return { data, shape };
}
