// Geometry of the virtual grid: fixed-size cells, so any row's position is arithmetic and the grid
// never measures its children.
export interface GridLayout {
  columns: number;
  rowCount: number;
  /** Rows [first, last] (inclusive) to put in the DOM; empty when last < first. */
  firstRow: number;
  lastRow: number;
}

export interface GridInput {
  itemCount: number;
  viewportWidth: number;
  viewportHeight: number;
  scrollTop: number;
  cellWidth: number;
  rowHeight: number;
  gap: number;
  padding: number;
  /** Extra rows above and below the viewport so a short scroll shows no blank cells. */
  overscanRows: number;
}

export function gridLayout(input: GridInput): GridLayout {
  const usableWidth = input.viewportWidth - 2 * input.padding + input.gap;
  const columns = Math.max(1, Math.floor(usableWidth / (input.cellWidth + input.gap)));
  const rowCount = Math.ceil(input.itemCount / columns);
  const top = input.scrollTop - input.padding;
  const firstVisible = Math.floor(top / input.rowHeight);
  const lastVisible = Math.floor((top + input.viewportHeight) / input.rowHeight);
  return {
    columns,
    rowCount,
    firstRow: Math.max(0, firstVisible - input.overscanRows),
    lastRow: Math.min(rowCount - 1, lastVisible + input.overscanRows),
  };
}
