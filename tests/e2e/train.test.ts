// The Train view in Chromium against `selfguide serve`: the Python check, a label-guided tiny run started
// from the form, its live loss chart and its w = 0 / w = 2 preview grids served from the run folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTrainingImages } from '../support/train-project.ts';
import { launchChromium } from './support/browser.ts';
import { type Served, makeProject, selfguide, serve } from './support/cli.ts';

describe('train view', () => {
  let root: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-train-'));
    // Two folders, so the folder names are a ground-truth labelling with two classes.
    await writeTrainingImages(join(root, 'photos', 'left'), 4);
    await writeTrainingImages(join(root, 'photos', 'right'), 4);
    await makeProject(join(root, 'project'), join(root, 'photos'));
    await selfguide('labels', 'import', '--from-folders', '-p', join(root, 'project'));
    server = await serve(join(root, 'project'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Train' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('shows that the Python trainer is ready, with the Python it found', async () => {
    const panel = page.getByRole('region', { name: 'Python environment' });
    await expect.poll(() => panel.locator('.train__env-status').textContent(), { timeout: 30_000 }).toBe('Ready to train');
    expect(await panel.textContent()).toContain('.venv/bin/python');
  });

  it('will not start when the batch does not divide between the training processes', async () => {
    const form = page.getByRole('form', { name: 'New training run' });
    const start = form.getByRole('button', { name: 'Start training' });
    await form.getByLabel('Guidance level').selectOption('label');
    await form.getByLabel('Batch size').fill('4');
    await form.getByLabel('Processes').fill('3');
    await expect.poll(() => form.textContent()).toContain('The batch (4) must divide evenly between the 3 processes.');
    expect(await start.isDisabled()).toBe(true);
    await form.getByLabel('Processes').fill('2');
    await expect.poll(() => start.isDisabled()).toBe(false);
    await form.getByLabel('Processes').fill('1');
  });

  it('names the command that computes what a guidance level needs, when the project has none of it', async () => {
    const form = page.getByRole('form', { name: 'New training run' });
    for (const [level, command] of [['mask', 'selfguide masks'], ['box', 'selfguide boxes']] as const) {
      await form.getByLabel('Guidance level').selectOption(level);
      await expect.poll(() => form.locator('.train__hint').textContent()).toContain(`(CLI: ${command}).`);
    }
  });

  it('starts a run from the form and shows its loss curve, preview grids and log', { timeout: 120_000 }, async () => {
    const form = page.getByRole('form', { name: 'New training run' });
    await form.getByLabel('Guidance level').selectOption('label');
    await form.getByLabel('Steps').fill('24');
    await form.getByLabel('Batch size').fill('4');
    await form.getByLabel('Resolution').fill('16');
    await form.getByLabel('Preview every').fill('12');
    // One torch thread: on a busy two-core machine more threads spin against each other.
    await form.getByLabel('CPU threads').fill('1');
    await form.getByRole('button', { name: 'Start training' }).click();

    const runPanel = page.getByRole('region', { name: 'Run #1', exact: true });
    const chart = runPanel.getByRole('img', { name: 'Loss chart' });
    await expect.poll(async () => Number((await chart.getAttribute('data-points').catch(() => null)) ?? 0), { timeout: 90_000 }).toBeGreaterThan(1);
    expect(await chart.locator('polyline').getAttribute('points')).toMatch(/^[\d.]+,[\d.]+ [\d.]+,[\d.]+/);

    const runs = page.getByRole('table', { name: 'Training runs' });
    await expect.poll(() => runs.locator('tbody tr').first().locator('td[data-state]').textContent(), { timeout: 90_000 }).toBe('done');
    for (const w of [0, 2]) {
      const grid = runPanel.getByRole('img', { name: `Samples at step 24, w = ${w}` });
      await expect.poll(() => grid.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
    }
    expect(await runPanel.textContent()).toContain('Model: runs/1/model');
    expect(await runPanel.getByLabel('Log').textContent()).toContain('selfguide_trainer export');
    expect(await runs.locator('tbody tr').first().textContent()).toContain('24 / 24');
  });

  it('serves preview grids only of registered runs and real preview names', async () => {
    const fetchStatus = (path: string) =>
      fetch(`${server.origin}${path}`, { headers: { 'x-selfguide-token': server.token } }).then((response) => response.status);
    expect(await fetchStatus('/files/train/1/step_00000024_w2.png')).toBe(200);
    expect(await fetchStatus('/files/train/2/step_00000024_w2.png')).toBe(404);
    expect(await fetchStatus('/files/train/1/..%2Fconfig.json')).toBe(404);
    expect(await fetch(`${server.origin}/files/train/1/step_00000024_w2.png`).then((response) => response.status)).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});
