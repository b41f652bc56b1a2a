// The map's lasso and view arithmetic: points inside a polygon (concave too), and zooming that keeps
// the point under the pointer in place.
import { describe, expect, it } from 'vitest';
import { pointsInPolygon } from '../../src/renderer/src/lib/lasso.ts';
import { fitView, panBy, toMap, toScreen, zoomAt } from '../../src/renderer/src/lib/map-view.ts';

describe('lasso', () => {
  it('selects the points inside a concave polygon and none outside it', () => {
    // A "U": the notch (0.4–0.6 × 0–0.7) is outside.
    const u = [[0, 0], [0.4, 0], [0.4, 0.7], [0.6, 0.7], [0.6, 0], [1, 0], [1, 1], [0, 1]] as const;
    const xs = [0.2, 0.5, 0.5, 0.8, 1.5, -0.1];
    const ys = [0.5, 0.3, 0.9, 0.2, 0.5, 0.5];
    expect(pointsInPolygon(xs, ys, u)).toEqual([0, 2, 3]);
  });

  it('holds nothing with fewer than three vertices', () => {
    expect(pointsInPolygon([0.5], [0.5], [[0, 0], [1, 1]])).toEqual([]);
  });
});

describe('map view', () => {
  it('fits the unit square in the canvas and converts both ways', () => {
    const view = fitView(800, 600);
    expect(toScreen(view, 0.5, 0.5)).toEqual([400, 300]);
    expect(toMap(view, ...toScreen(view, 0.25, 0.75))).toEqual([0.25, 0.75]);
  });

  it('zooms about the pointer, within bounds, and pans', () => {
    const fitted = fitView(800, 600);
    const zoomed = zoomAt(fitted, 100, 200, 4, fitted.scale);
    expect(zoomed.scale).toBe(fitted.scale * 4);
    expect(toMap(zoomed, 100, 200).map((v) => v.toFixed(9))).toEqual(toMap(fitted, 100, 200).map((v) => v.toFixed(9)));
    expect(zoomAt(fitted, 0, 0, 1e9, fitted.scale).scale).toBe(fitted.scale * 500);
    expect(toScreen(panBy(fitted, 10, -5), 0.5, 0.5)).toEqual([410, 295]);
  });
});
