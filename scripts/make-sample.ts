// Regenerates samples/fashion-mnist-1k: the first 100 test images of each Fashion-MNIST class as
// 28×28 greyscale PNGs, plus labels.csv (held-out ground truth, never used by self-labelling).
// Source: Debian's dataset-fashion-mnist (MIT licence). Usage: node scripts/make-sample.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

const SOURCE = '/usr/share/datasets/fashion-mnist';
const OUT = new URL('../samples/fashion-mnist-1k/', import.meta.url);
const PER_CLASS = 100;
const CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

const images = gunzipSync(readFileSync(`${SOURCE}/t10k-images-idx3-ubyte.gz`)).subarray(16);
const labels = gunzipSync(readFileSync(`${SOURCE}/t10k-labels-idx1-ubyte.gz`)).subarray(8);
mkdirSync(OUT, { recursive: true });
const taken = new Array<number>(CLASSES.length).fill(0);
const rows = ['file,label,class'];
for (let index = 0; index < labels.length && rows.length <= PER_CLASS * CLASSES.length; index++) {
  const label = labels[index] as number;
  if ((taken[label] as number) >= PER_CLASS) continue;
  taken[label] = (taken[label] as number) + 1;
  const file = `fmnist-${String(index).padStart(5, '0')}.png`;
  const pixels = images.subarray(index * 784, (index + 1) * 784);
  await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png({ compressionLevel: 9 }).toFile(new URL(file, OUT).pathname);
  rows.push(`${file},${label},${CLASSES[label]}`);
}
writeFileSync(new URL('labels.csv', OUT), `${rows.join('\n')}\n`);
console.log(`wrote ${rows.length - 1} images to ${OUT.pathname}`);
