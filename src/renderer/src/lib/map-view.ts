// The map's view: map coordinates ([0, 1]² from the back end) to canvas pixels by one scale and an
// offset, zoomed about the pointer and panned by dragging.

export interface MapView {
  scale: number;
  offsetX: number;
  offsetY: number;
}

const MARGIN = 16;
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 500;

/** The view that shows the whole unit square centred in a width × height canvas. */
export function fitView(width: number, height: number): MapView {
  const scale = Math.max(1, Math.min(width, height) - 2 * MARGIN);
  return { scale, offsetX: (width - scale) / 2, offsetY: (height - scale) / 2 };
}

export function toScreen(view: MapView, x: number, y: number): [number, number] {
  return [x * view.scale + view.offsetX, y * view.scale + view.offsetY];
}

export function toMap(view: MapView, sx: number, sy: number): [number, number] {
  return [(sx - view.offsetX) / view.scale, (sy - view.offsetY) / view.scale];
}

/** Zooms by `factor` keeping the map point under (sx, sy) where it is; the zoom stays within bounds of the fitted scale. */
export function zoomAt(view: MapView, sx: number, sy: number, factor: number, fittedScale: number): MapView {
  const scale = Math.min(fittedScale * MAX_ZOOM, Math.max(fittedScale * MIN_ZOOM, view.scale * factor));
  const applied = scale / view.scale;
  return { scale, offsetX: sx - (sx - view.offsetX) * applied, offsetY: sy - (sy - view.offsetY) * applied };
}

export function panBy(view: MapView, dx: number, dy: number): MapView {
  return { ...view, offsetX: view.offsetX + dx, offsetY: view.offsetY + dy };
}
