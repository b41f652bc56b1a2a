// Lasso selection on the map: which points lie inside a closed polygon (even–odd rule), tested on
// the points' own coordinates so the answer does not depend on zoom.

export type Point = readonly [number, number];

/** Indices of the points (xs[i], ys[i]) inside the polygon; a polygon of fewer than 3 vertices holds none. */
export function pointsInPolygon(xs: ArrayLike<number>, ys: ArrayLike<number>, polygon: readonly Point[]): number[] {
  if (polygon.length < 3) return [];
  // A bounding-box test first: most of 100,000 points are far from a small lasso.
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of polygon) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const inside: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    if (x < minX || x > maxX || y < minY || y > maxY) continue;
    if (insidePolygon(x, y, polygon)) inside.push(i);
  }
  return inside;
}

export function insidePolygon(x: number, y: number, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as Point;
    const [xj, yj] = polygon[j] as Point;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
