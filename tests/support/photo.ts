// A photo-like JPEG for tests of decoding and resizing: smooth gradients, a bright left half and a dark
// disc, so that a wrong orientation or a wrong resize shows up as a large difference.
import sharp from 'sharp';

export async function photo(width: number, height: number, orientation?: number): Promise<Buffer> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p += 3) {
      const inDisc = (x - width * 0.7) ** 2 + (y - height * 0.5) ** 2 < (height * 0.2) ** 2;
      rgb[p] = inDisc ? 20 : x < width / 2 ? 230 : Math.round((255 * y) / height);
      rgb[p + 1] = inDisc ? 30 : Math.round((200 * x) / width);
      rgb[p + 2] = inDisc ? 200 : 90;
    }
  }
  const jpeg = sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 });
  return (orientation ? jpeg.withMetadata({ orientation }) : jpeg).toBuffer();
}
