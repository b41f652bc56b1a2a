// The clusters map's layouts at the sizes the app chooses them for: UMAP at its limit (20,000 rows)
// and PCA at 100,000, on 384-d planted clusters (ViT-S cls size). Prints seconds per layout.
//   node bench/labels/bench-map.ts [umapRows] [pcaRows]
import { pcaLayout, UMAP_LIMIT, umapLayout } from '../../src/core/labels/embedding-2d.ts';
import { l2NormalizeRows } from '../../src/core/labels/matrix.ts';
import { plantedClusters } from '../../tests/support/planted-clusters.ts';

const umapRows = Number(process.argv[2] ?? UMAP_LIMIT);
const pcaRows = Number(process.argv[3] ?? 100_000);

async function time(label: string, work: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await time(`PCA of ${pcaRows} × 384`, () => pcaLayout(l2NormalizeRows(plantedClusters(pcaRows, 384, 100, 0.5, 1).x)));
await time(`UMAP of ${umapRows} × 384`, () => umapLayout(l2NormalizeRows(plantedClusters(umapRows, 384, 100, 0.5, 2).x), { seed: 0 }));
