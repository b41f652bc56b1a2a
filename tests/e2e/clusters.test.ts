// The Clusters view on a real clustered project (three colour groups, tiny ViT features, k = 3):
// rename, move images picked in the grid, merge, a recompute that asks first and keeps every edit,
// and the map, whose lasso selects exactly the points inside the polygon and shows them in the grid.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS, writeColourGroups } from '../support/colour-groups.ts';
import { launchChromium } from './support/browser.ts';
import { type Served, serve } from './support/cli.ts';
import { apiCall, clusteredProject } from './support/cluster-project.ts';

const PER_GROUP = 6;
const IMAGES = Object.keys(GROUPS).length * PER_GROUP;

interface Summary {
  run: { id: number; jobId: number; state: string };
  clusters: { id: number; name: string; size: number; mergedInto: number | null }[];
  outliers: number;
  decisions: number;
}

describe('clusters view', () => {
  let root: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  let runId: number;
  const recomputeRequests: { replace?: boolean }[] = [];

  const card = (clusterId: number | 'outliers') => page.getByRole('list', { name: 'Cluster list' }).locator(`[data-cluster-id="${clusterId}"]`);
  const cardSize = async (clusterId: number | 'outliers') => Number(await card(clusterId).locator('[data-role=size]').textContent());
  const clusterGrid = () => page.getByRole('listbox', { name: 'Cluster images' });
  const summary = () => apiCall<Summary>(server, 'clusters.summary', { runId });
  const pickedCount = () => page.getByRole('group', { name: 'Selected images' }).locator('[data-role=picked-count]').textContent();
  const mapCanvas = () => page.getByRole('img', { name: /^Map of \d+ images/ });

  /** A lasso drawn just inside the map's edges: every point. */
  async function lassoWholeMap() {
    const box = (await mapCanvas().boundingBox())!;
    await page.mouse.move(box.x + 4, box.y + 4);
    await page.mouse.down();
    for (const [x, y] of [[box.width - 4, 4], [box.width - 4, box.height - 4], [4, box.height - 4], [4, 5]] as const) {
      await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
    }
    await page.mouse.up();
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-clusters-'));
    await writeColourGroups(join(root, 'photos'), PER_GROUP);
    await clusteredProject(join(root, 'project'), join(root, 'photos'), 3);
    server = await serve(join(root, 'project'));
    runId = (await apiCall<{ id: number }[]>(server, 'clusters.runs', {}))[0]!.id;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('request', (request) => {
      if (request.url().endsWith('/api/clusters.recompute')) recomputeRequests.push(JSON.parse(request.postData() ?? '{}'));
    });
    await page.goto(server.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('lists the run, its clusters with counts, and its scores against the folder names', async () => {
    await expect.poll(() => page.getByRole('list', { name: 'Cluster list' }).locator('[data-cluster-id]').count()).toBe(4);
    for (const id of [0, 1, 2]) expect(await cardSize(id)).toBe(PER_GROUP);
    expect(await cardSize('outliers')).toBe(0);
    expect(await page.getByLabel('Clustering run').locator('option:checked').textContent()).toContain(`${IMAGES} images`);
    await expect.poll(() => page.locator('[data-role=scores]').textContent()).toContain('NMI 1.000');
    // The first cluster is shown, nearest to its centroid first.
    await expect.poll(() => clusterGrid().getByRole('option').count()).toBe(PER_GROUP);
  });

  it('renames a cluster', async () => {
    await card(0).getByRole('button').click();
    await page.getByRole('textbox', { name: 'Cluster name' }).fill('first colour');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => card(0).textContent()).toContain('first colour');
    expect((await summary()).clusters[0]!.name).toBe('first colour');
  });

  it('moves images picked in the grid to another cluster', async () => {
    const tiles = clusterGrid().getByRole('option');
    const moved = [await tiles.nth(0).getAttribute('data-image-id'), await tiles.nth(1).getAttribute('data-image-id')].map(Number);
    await tiles.nth(0).click();
    await tiles.nth(1).click();
    const actions = page.getByRole('group', { name: 'Selected images' });
    expect(await actions.locator('[data-role=picked-count]').textContent()).toBe('2 selected');
    expect(await tiles.nth(0).getAttribute('aria-selected')).toBe('true');
    await actions.getByLabel('Move to cluster').selectOption({ label: 'cluster 1' });
    await actions.getByRole('button', { name: 'Move' }).click();
    await expect.poll(() => cardSize(0)).toBe(PER_GROUP - 2);
    expect(await cardSize(1)).toBe(PER_GROUP + 2);
    await card(1).getByRole('button').click();
    await expect.poll(() => clusterGrid().getByRole('option').count()).toBe(PER_GROUP + 2);
    const shown = await clusterGrid().getByRole('option').evaluateAll((options) => options.map((option) => Number(option.getAttribute('data-image-id'))));
    expect(shown).toEqual(expect.arrayContaining(moved));
  });

  it('merges a cluster into another', async () => {
    await card(2).getByRole('button').click();
    await page.getByLabel('Merge into').selectOption({ label: 'cluster 1' });
    await page.getByRole('button', { name: 'Merge' }).click();
    await expect.poll(() => card(2).textContent()).toContain('merged into 1');
    expect(await card(2).getByRole('button').isDisabled()).toBe(true);
    expect(await cardSize(1)).toBe(2 * PER_GROUP + 2);
    // The view follows the merged images into their new cluster.
    await expect.poll(() => clusterGrid().getByRole('option').count()).toBe(2 * PER_GROUP + 2);
  });

  it('asks before recomputing a run with decisions, and keeps them all', async () => {
    const before = await summary();
    expect(before.decisions).toBeGreaterThanOrEqual(4);
    await page.getByRole('button', { name: 'Recompute' }).click();
    const dialog = page.getByRole('dialog', { name: 'Recompute this run?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`${before.decisions} decisions`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await summary()).run.jobId).toBe(before.run.jobId);
    expect(recomputeRequests).toEqual([{ runId, replace: false }]);

    await page.getByRole('button', { name: 'Recompute' }).click();
    await dialog.getByRole('button', { name: 'Recompute' }).click();
    await expect.poll(async () => (await summary()).run.jobId).not.toBe(before.run.jobId);
    await expect.poll(async () => (await summary()).run.state).toBe('done');
    expect(recomputeRequests.at(-1)).toEqual({ runId, replace: true });
    const after = await summary();
    expect(after.clusters).toEqual(before.clusters);
    expect(after.decisions).toBe(before.decisions);
    await expect.poll(() => cardSize(1)).toBe(2 * PER_GROUP + 2);
    expect(await card(0).textContent()).toContain('first colour');
  });

  it('follows a map job started elsewhere (the Jobs view, the CLI) and shows the map when it ends', async () => {
    // started through the API, as the Jobs view's Resume or another window would: this page did not start it
    await apiCall(server, 'clusters.computeMap', { runId });
    await page.getByRole('tab', { name: 'Map' }).click();
    await page.getByRole('img', { name: /^Map of \d+ images/ }).waitFor({ timeout: 60_000 });
  });

  it('selects with a lasso exactly the points inside the map, shown in the grid', async () => {
    const canvas = page.getByRole('img', { name: /^Map of \d+ images/ });
    await canvas.waitFor({ timeout: 60_000 });
    const map = await apiCall<{ imageIds: number[]; x: number[]; y: number[]; clusters: number[] }>(server, 'clusters.map', { runId });
    expect(map.imageIds).toHaveLength(IMAGES);

    // A rectangle around the points of cluster 0 (in canvas pixels), then the points it really holds.
    await expect.poll(() => canvas.getAttribute('data-view')).toMatch(/"scale":[1-9]/);
    const view = JSON.parse((await canvas.getAttribute('data-view')) as string) as { scale: number; offsetX: number; offsetY: number };
    const screen = map.imageIds.map((_, i) => [map.x[i]! * view.scale + view.offsetX, map.y[i]! * view.scale + view.offsetY] as const);
    const target = screen.filter((_, i) => map.clusters[i] === 0);
    const [x0, x1] = [Math.min(...target.map((p) => p[0])) - 6, Math.max(...target.map((p) => p[0])) + 6];
    const [y0, y1] = [Math.min(...target.map((p) => p[1])) - 6, Math.max(...target.map((p) => p[1])) + 6];
    const expected = map.imageIds.filter((_, i) => screen[i]![0] > x0 && screen[i]![0] < x1 && screen[i]![1] > y0 && screen[i]![1] < y1).sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThanOrEqual(target.length);

    await page.getByRole('button', { name: 'Lasso', exact: true }).click();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + x0, box.y + y0);
    await page.mouse.down();
    await page.mouse.move(box.x + x1, box.y + y0, { steps: 8 });
    await page.mouse.move(box.x + x1, box.y + y1, { steps: 8 });
    await page.mouse.move(box.x + x0, box.y + y1, { steps: 8 });
    await page.mouse.move(box.x + x0, box.y + y0 + 1, { steps: 8 });
    await page.mouse.up();

    const actions = page.getByRole('group', { name: 'Selected images' });
    await expect.poll(() => actions.locator('[data-role=picked-count]').textContent()).toBe(`${expected.length} selected`);
    const grid = page.getByRole('listbox', { name: 'Selected images' });
    await expect.poll(() => grid.getByRole('option').count()).toBe(expected.length);
    await expect
      .poll(() => grid.getByRole('option').evaluateAll((options) => options.map((option) => Number(option.getAttribute('data-image-id'))).sort((a, b) => a - b)))
      .toEqual(expected);

    await actions.getByRole('button', { name: 'Mark outlier' }).click();
    await expect.poll(() => cardSize('outliers')).toBe(expected.length);
  });

  it('applies an edit on the Grid tab only to the images picked there, never to a lasso left on the Map tab', async () => {
    await lassoWholeMap();
    await expect.poll(pickedCount).toBe(`${IMAGES} selected`);
    await page.getByRole('tab', { name: 'Grid' }).click();
    expect(await pickedCount()).toBe('0 selected');
    expect(await page.getByRole('group', { name: 'Selected images' }).getByRole('button', { name: 'Mark outlier' }).isDisabled()).toBe(true);
    // Back on the map, its lasso is what is picked again.
    await page.getByRole('tab', { name: 'Map' }).click();
    await expect.poll(pickedCount).toBe(`${IMAGES} selected`);
  });

  it('shows the map of the model again when another of its runs is chosen on the Map tab', async () => {
    const started = await apiCall<{ run: { id: number } }>(server, 'clusters.start', { k: 2 });
    await expect.poll(async () => (await apiCall<Summary>(server, 'clusters.summary', { runId: started.run.id })).run.state).toBe('done');
    await page.getByLabel('Clustering run').selectOption(String(started.run.id));
    await expect.poll(() => page.getByLabel('Clustering run').inputValue()).toBe(String(started.run.id));
    await mapCanvas().waitFor();
    expect(await page.getByRole('button', { name: 'Compute map' }).count()).toBe(0);
  });

  it('says why a run failed, rather than showing it pending, and shows nothing of the run before', async () => {
    await page.getByRole('tab', { name: 'Grid' }).click();
    await expect.poll(() => clusterGrid().getByRole('option').count()).toBeGreaterThan(0);
    await page.getByLabel('k', { exact: true }).fill('500');
    await page.getByRole('button', { name: 'New run' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Clustering run #\d+ failed: k = 500 needs at least 500 images/);
    expect(await page.getByLabel('Clustering run').locator('option:checked').textContent()).toContain('k = 500');
    expect(await clusterGrid().getByRole('option').count()).toBe(0);
  });

  it('opens again on the run under review after a reload, not on the newest one', async () => {
    await page.getByLabel('Clustering run').selectOption(String(runId));
    await expect.poll(() => card(0).textContent()).toContain('first colour');
    const newest = Math.max(...(await apiCall<{ id: number; state: string }[]>(server, 'clusters.runs', {})).filter((run) => run.state === 'done').map((run) => run.id));
    expect(newest).not.toBe(runId);
    await page.reload();
    await expect.poll(() => page.getByLabel('Clustering run').inputValue()).toBe(String(runId));
    await expect.poll(() => card(0).textContent()).toContain('first colour');
  });

  it('writes a screenshot of the map and its selection when asked', async () => {
    if (process.env.SELFGUIDE_SCREENSHOTS !== '1') return;
    await page.getByLabel('Clustering run').selectOption(String(runId));
    await page.getByRole('tab', { name: 'Map' }).click();
    await lassoWholeMap();
    const grid = page.getByRole('listbox', { name: 'Selected images' });
    await expect.poll(() => grid.getByRole('option').count()).toBeGreaterThan(0);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('[role=listbox] img')].every((img) => img.complete));
    await page.screenshot({ path: new URL('../../docs/clusters.png', import.meta.url).pathname });
  });
});
