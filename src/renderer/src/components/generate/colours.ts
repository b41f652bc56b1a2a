// Distinct colours for clusters and segments on the drawing surfaces (golden-angle hues).
export function boxColour(index: number): string {
  return `hsl(${Math.round((index * 137.508) % 360)} 75% 55%)`;
}
