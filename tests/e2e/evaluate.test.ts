// The Evaluate panel of the Train view in Chromium against `selfguide serve`: a tiny cluster-guided run
// trained through the CLI, an evaluation started from the panel, its progress, metrics table (feature space,
// counts, settings), per-cluster sample grids, the history, and the grid route serving registered grids only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTrainingImages } from '../support/train-project.ts';
import { launchChromium, watchedPage } from './support/browser.ts';
import { type Served, selfguide, serve } from './support/cli.ts';
import { clusteredProject } from './support/cluster-project.ts';

describe('evaluate panel', () => {
  let root: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-evaluate-'));
    await writeTrainingImages(join(root, 'photos', 'left'), 8);
    await writeTrainingImages(join(root, 'photos', 'right'), 8);
    const project = join(root, 'project');
    await clusteredProject(project, join(root, 'photos'), 2);
    // 6 of 16 held out: enough real images for precision/recall's 5-NN balls
    await selfguide('train', '-p', project, '--level', 'cluster', '--steps', '4', '--batch-size', '4', '--resolution', '16',
      '--threads', '1', '--val-share', '0.4', '--preview-every', '0', '--quiet', '--json'); // prettier-ignore
    server = await serve(project);
    browser = await launchChromium();
    ({ page, errors: pageErrors } = await watchedPage(browser, { width: 1280, height: 1400 }));
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Train' }).click();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('evaluates the run from the panel and shows the metrics with their settings and the grids per cluster', { timeout: 90_000 }, async () => {
    const panel = page.getByRole('region', { name: 'Evaluate run #1' });
    const form = panel.getByRole('form', { name: 'New evaluation' });
    await expect.poll(() => form.getByRole('button', { name: 'Evaluate' }).isEnabled(), { timeout: 30_000 }).toBe(true); // Python checked
    await form.getByLabel('Samples per condition').fill('4');
    await form.getByLabel('Evaluation steps').fill('2');
    await form.getByLabel('Guidance weight w').fill('1.5');
    await form.getByLabel('Evaluation CPU threads').fill('1');
    await form.getByRole('button', { name: 'Evaluate' }).click();

    const history = panel.getByRole('table', { name: 'Evaluations' });
    await expect.poll(() => history.locator('tbody tr').first().locator('td[data-state]').textContent(), { timeout: 60_000 }).toBe('done');
    const detail = panel.getByRole('region', { name: 'Evaluation #1' });
    expect(await detail.getByLabel('Evaluation settings').textContent()).toContain('2 DDIM steps · w = 1.5 (imagen) · seed 0 · EMA weights at step 4 · 4 per condition × 2');
    const metrics = detail.getByRole('table', { name: 'Metrics' });
    const fd = metrics.getByRole('row', { name: /FD_enc/ });
    expect(Number(await fd.locator('td').first().textContent())).toBeGreaterThan(0);
    expect(await fd.textContent()).toContain('Fréchet distance in vit-tiny');
    expect(await fd.textContent()).toContain('not FID; 8 samples vs 6 held-out images');
    for (const name of ['KID_enc', 'precision', 'recall', 'density', 'coverage', 'cond. consistency']) {
      expect(await metrics.getByRole('row', { name: new RegExp(name) }).count()).toBe(1);
    }
    for (const cluster of ['cluster 0', 'cluster 1']) {
      const grid = detail.getByRole('img', { name: `Samples for ${cluster}` });
      await expect.poll(() => grid.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(2 + 2 * 18);
    }
    expect(await history.locator('tbody tr').first().textContent()).toContain(await fd.locator('td').first().textContent() as string);
  });

  it('keeps the history of evaluations of the run and shows an earlier one when picked', { timeout: 90_000 }, async () => {
    const panel = page.getByRole('region', { name: 'Evaluate run #1' });
    const form = panel.getByRole('form', { name: 'New evaluation' });
    await form.getByLabel('Guidance weight w').fill('0');
    await form.getByRole('button', { name: 'Evaluate' }).click();
    const history = panel.getByRole('table', { name: 'Evaluations' });
    await expect.poll(() => history.locator('tbody tr').count()).toBe(2);
    await expect.poll(() => history.locator('tbody tr').first().locator('td[data-state]').textContent(), { timeout: 60_000 }).toBe('done');
    expect(await panel.getByRole('region', { name: 'Evaluation #2' }).getByLabel('Evaluation settings').textContent()).toContain('w = 0 (imagen)');
    await history.getByRole('button', { name: '#1' }).click();
    expect(await panel.getByRole('region', { name: 'Evaluation #1' }).getByLabel('Evaluation settings').textContent()).toContain('w = 1.5 (imagen)');
  });

  it('serves the grids of recorded evaluations only', async () => {
    const status = (path: string) => fetch(`${server.origin}${path}`, { headers: { 'x-selfguide-token': server.token } }).then((response) => response.status);
    expect(await status('/files/evaluation/1/grids%2F000.png')).toBe(200);
    expect(await status('/files/evaluation/1/result.json')).toBe(404);
    expect(await status('/files/evaluation/1/..%2F..%2Fmanifest.jsonl')).toBe(404);
    expect(await status('/files/evaluation/9/grids%2F000.png')).toBe(404);
    expect(await fetch(`${server.origin}/files/evaluation/1/grids%2F000.png`).then((response) => response.status)).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});
