// The Clusters view with thousands of images: a cluster's grid keeps only the tiles in view, the map
// draws every point in a few milliseconds while zooming, and a lasso over most of the map selects
// thousands of images at once without the page stalling.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { type Served, serve } from './support/cli.ts';
import { apiCall, clusteredProject } from './support/cluster-project.ts';
import { writeManySmallPngs } from './support/images.ts';

const IMAGE_COUNT = 3000;
const K = 4;

describe('clusters view with thousands of images', () => {
  let root: string;
  let server: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-clusters-scale-'));
    await writeManySmallPngs(join(root, 'photos'), IMAGE_COUNT);
    await clusteredProject(join(root, 'project'), join(root, 'photos'), K);
    server = await serve(join(root, 'project'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    await page.goto(server.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("shows the largest cluster's hundreds of images with few tiles in the DOM, down to the last", async () => {
    const runId = (await apiCall<{ id: number }[]>(server, 'clusters.runs', {}))[0]!.id;
    const { clusters } = await apiCall<{ clusters: { id: number; size: number }[] }>(server, 'clusters.summary', { runId });
    const largest = clusters.reduce((best, cluster) => (cluster.size > best.size ? cluster : best));
    expect(largest.size).toBeGreaterThan(IMAGE_COUNT / K / 2);
    await page.getByRole('list', { name: 'Cluster list' }).locator(`[data-cluster-id="${largest.id}"]`).getByRole('button').click();
    const grid = page.getByRole('listbox', { name: 'Cluster images' });
    await expect.poll(() => grid.getByRole('option').count()).toBeGreaterThan(0);
    expect(await grid.getByRole('option').count()).toBeLessThan(100);
    await grid.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect.poll(() => grid.locator(`[aria-posinset="${largest.size}"]`).count()).toBe(1);
    expect(await grid.getByRole('option').count()).toBeLessThan(100);
  });

  it('draws the whole map within a frame while zooming, and lassoes thousands of images', async () => {
    await page.getByRole('tab', { name: 'Map' }).click();
    await page.getByRole('button', { name: 'Compute map' }).click();
    const canvas = page.getByRole('img', { name: `Map of ${IMAGE_COUNT} images coloured by cluster` });
    await canvas.waitFor({ timeout: 120_000 });
    const box = (await canvas.boundingBox())!;

    const frames: number[] = [];
    for (let step = 0; step < 6; step++) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, step < 3 ? -240 : 240);
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      frames.push(Number(await canvas.getAttribute('data-frame-ms')));
    }
    // A frame at 60 Hz is 16.7 ms; drawing 3,000 points must take a small part of it.
    expect(Math.max(...frames)).toBeLessThan(16);
    await page.getByRole('button', { name: 'Fit' }).click();

    // A lasso around the whole canvas selects every image.
    const started = Date.now();
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    for (const [x, y] of [[box.width - 2, 2], [box.width - 2, box.height - 2], [2, box.height - 2], [2, 3]] as const) {
      await page.mouse.move(box.x + x, box.y + y, { steps: 6 });
    }
    await page.mouse.up();
    const actions = page.getByRole('group', { name: 'Selected images' });
    await expect.poll(() => actions.locator('[data-role=picked-count]').textContent()).toBe(`${IMAGE_COUNT.toLocaleString('en')} selected`);
    expect(Date.now() - started).toBeLessThan(5000);
    const selection = page.getByRole('listbox', { name: 'Selected images' });
    await expect.poll(() => selection.getByRole('option').count()).toBeGreaterThan(0);
    expect(await selection.getByRole('option').count()).toBeLessThan(100);
    expect(await selection.getByRole('option').first().getAttribute('aria-setsize')).toBe(String(IMAGE_COUNT));
  });
});
