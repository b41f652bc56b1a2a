// The Clusters view's map in Chromium at 100,000 images: a synthetic project (image rows, one done
// clustering run of k = 50 and a cached PCA map of 50 blobs; no pixels or features needed), served by
// `selfguide serve`; measures the clusters.map answer, the canvas draw per frame while zooming, and a
// lasso over half the map. Needs the renderer built (npm run build, or any e2e run) and /usr/bin/chromium.
//   node bench/labels/bench-map-ui.ts [images]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMap, mapFile } from '../../src/core/labels/cluster-map.ts';
import { seededRng } from '../../src/core/labels/rng.ts';
import { createProject } from '../../src/core/project/project.ts';
import { transaction } from '../../src/core/store/database.ts';
import { writeFileAtomic } from '../../src/core/files/write-file-atomic.ts';
import { launchChromium } from '../../tests/e2e/support/browser.ts';
import { serve } from '../../tests/e2e/support/cli.ts';
import { apiCall } from '../../tests/e2e/support/cluster-project.ts';

const N = Number(process.argv[2] ?? 100_000);
const K = 50;
const root = mkdtempSync(join(tmpdir(), 'selfguide-bench-map-'));
const project = createProject(join(root, 'project'));
const rng = seededRng(1);
const centres = Array.from({ length: K }, () => [0.1 + 0.8 * rng.next(), 0.1 + 0.8 * rng.next()]);
const positions = new Float32Array(N * 2);
const ids = Array.from({ length: N }, (_, i) => i + 1);
transaction(project.db, () => {
  project.db.prepare("INSERT INTO folders (id, path) VALUES (1, '/nowhere')").run();
  project.db.prepare("INSERT INTO models (id, file, sha256, bytes, metadata) VALUES ('bench', 'x.onnx', '0', 0, '{}')").run();
  project.db.prepare("INSERT INTO cluster_runs (id, model_id, k, parameters, state, images, inertia, method) VALUES (1, 'bench', ?, ?, 'done', ?, 0, 'lloyd')").run(K, JSON.stringify({ seed: 0, restarts: 1, iterations: 1 }), N);
  const image = project.db.prepare("INSERT INTO images (id, folder_id, rel_path, bytes, mtime_ms, status, scanned_at) VALUES (?, 1, ?, 0, 0, 'ok', '')");
  const assign = project.db.prepare('INSERT INTO cluster_assignments (run_id, image_id, cluster, distance) VALUES (1, ?, ?, ?)');
  for (const id of ids) {
    const cluster = id % K;
    image.run(id, `img-${id}.png`);
    assign.run(id, cluster, rng.next());
    const [cx, cy] = centres[cluster] as number[];
    positions[(id - 1) * 2] = (cx as number) + 0.04 * (rng.next() - 0.5);
    positions[(id - 1) * 2 + 1] = (cy as number) + 0.04 * (rng.next() - 0.5);
  }
});
await writeFileAtomic(mapFile(project, 'bench', 'pca'), encodeMap(ids, positions));
project.close();

const server = await serve(join(root, 'project'));
const browser = await launchChromium();
try {
  let started = performance.now();
  const map = await apiCall<{ imageIds: number[] }>(server, 'clusters.map', { runId: 1 });
  console.log(`clusters.map of ${map.imageIds.length} points: ${(performance.now() - started).toFixed(0)} ms (server + JSON)`);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(60_000);
  await page.goto(server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
  await page.getByRole('list', { name: 'Cluster list' }).waitFor();
  started = performance.now();
  await page.getByRole('tab', { name: 'Map' }).click();
  const canvas = page.getByRole('img', { name: /^Map of/ });
  await canvas.waitFor();
  await page.waitForFunction("Number(document.querySelector('canvas')?.dataset.frameMs) > 0");
  console.log(`map tab to first frame: ${(performance.now() - started).toFixed(0)} ms`);
  const box = (await canvas.boundingBox())!;
  const frames: number[] = [];
  for (let step = 0; step < 20; step++) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, step < 10 ? -120 : 120);
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    frames.push(Number(await canvas.getAttribute('data-frame-ms')));
  }
  frames.sort((a, b) => a - b);
  console.log(`draw per frame while zooming (${N} points): median ${frames[10]?.toFixed(1)} ms, max ${frames.at(-1)?.toFixed(1)} ms`);
  await page.getByRole('button', { name: 'Fit' }).click();
  started = performance.now();
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.down();
  for (const [x, y] of [[box.width / 2, 2], [box.width / 2, box.height - 2], [2, box.height - 2], [2, 3]] as const) {
    await page.mouse.move(box.x + x, box.y + y, { steps: 10 });
  }
  await page.mouse.up();
  await page.waitForFunction("/[1-9]/.test(document.querySelector('[data-role=picked-count]')?.textContent ?? '')");
  const count = await page.locator('[data-role=picked-count]').first().textContent();
  console.log(`lasso over half the map: ${count} in ${(performance.now() - started).toFixed(0)} ms (drag included)`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
