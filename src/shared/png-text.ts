// PNG text chunks (iTXt, UTF-8, uncompressed) on plain bytes: written by the sampler to embed a
// generation's parameters, read back by the core and by the renderer from a file a person picks (only
// the chunk list is walked; the image data is never decoded). No Node or DOM dependency.

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const utf8 = new TextEncoder();

export class PngTextError extends Error {
  override name = 'PngTextError';
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((value, i) => bytes[i] === value);
}

interface Chunk {
  type: string;
  start: number; // offset of the length field
  data: Uint8Array;
}

function* chunks(bytes: Uint8Array): Generator<Chunk> {
  if (!isPng(bytes)) throw new PngTextError('not a PNG file (the signature is missing)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) throw new PngTextError(`the PNG is truncated inside its ${type} chunk`);
    yield { type, start: at, data: bytes.subarray(at + 8, at + 8 + length) };
    if (type === 'IEND') return;
    at += 12 + length;
  }
  throw new PngTextError('the PNG ends without an IEND chunk (truncated file)');
}

/** A copy of `png` with an iTXt chunk `keyword` = `text` inserted before IEND. */
export function addPngText(png: Uint8Array, keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new PngTextError(`a PNG text keyword is 1–79 printable Latin-1 characters, got "${keyword}"`);
  const end = [...chunks(png)].find((chunk) => chunk.type === 'IEND');
  if (!end) throw new PngTextError('the PNG has no IEND chunk');
  // iTXt: keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text
  const data = new Uint8Array([...utf8.encode(keyword), 0, 0, 0, 0, 0, ...utf8.encode(text)]);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(utf8.encode('iTXt'), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, end.start));
  out.set(chunk, end.start);
  out.set(png.subarray(end.start), end.start + chunk.length);
  return out;
}

/** The uncompressed tEXt / iTXt entries of a PNG, keyword → text (compressed ones are skipped). */
export function readPngText(png: Uint8Array): Map<string, string> {
  const found = new Map<string, string>();
  const latin1 = new TextDecoder('latin1');
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for (const { type, data } of chunks(png)) {
    const nul = data.indexOf(0);
    if (nul < 1) continue;
    const keyword = latin1.decode(data.subarray(0, nul));
    if (type === 'tEXt') found.set(keyword, latin1.decode(data.subarray(nul + 1)));
    if (type === 'iTXt' && data[nul + 1] === 0) {
      const language = data.indexOf(0, nul + 3);
      const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
      if (translated >= 0) found.set(keyword, decoder.decode(data.subarray(translated + 1)));
    }
  }
  return found;
}
