// One colour per cluster id, stable across runs and views: hues spaced by the golden angle so
// neighbouring ids differ, outliers (−1) grey.

export const OUTLIER_COLOUR = '#7d7f87';

export function clusterColour(cluster: number): string {
  if (cluster < 0) return OUTLIER_COLOUR;
  const hue = (cluster * 137.508) % 360;
  const lightness = 55 + (cluster % 3) * 8;
  return `hsl(${hue.toFixed(1)} 70% ${lightness}%)`;
}

/** The colour as 0xAABBGGRR, for writing straight into canvas ImageData on little-endian machines. */
export function clusterPixel(cluster: number): number {
  const [r, g, b] = cluster < 0 ? [0x7d, 0x7f, 0x87] : hslToRgb((cluster * 137.508) % 360, 0.7, (55 + (cluster % 3) * 8) / 100);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}
