// The Models page on a real project: the registered tiny ViT, and feature extraction started from the
// page with the fast decode, which the job reports and the store records for every image.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/shared/models.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { writeColourGroups } from '../support/colour-groups.ts';
import { TINY_VIT } from '../support/models.ts';
import { launchChromium } from './support/browser.ts';
import { type Served, makeProject, selfguide, serve } from './support/cli.ts';
import { apiCall } from './support/cluster-project.ts';

const PER_GROUP = 3;

describe('models page', () => {
  let root: string;
  let server: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-models-'));
    await writeColourGroups(join(root, 'photos'), PER_GROUP);
    const projectDir = join(root, 'project');
    await makeProject(projectDir, join(root, 'photos'));
    await selfguide('models', 'import', TINY_VIT, '--activate', '--project', projectDir, '--json');
    server = await serve(projectDir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(server.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('extracts features with the fast decode when it is ticked', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    const table = page.getByRole('table', { name: 'Registered models' });
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    await page.getByRole('checkbox', { name: /Fast decode for large JPEGs/ }).check();
    await table.getByRole('button', { name: 'Extract features' }).click();
    const images = (await apiCall<{ ok: number }>(server, 'library.counts', {})).ok;
    await expect.poll(async () => (await apiCall<ModelInfo[]>(server, 'models.list', {}))[0]?.featureCount, { timeout: 60_000 }).toBe(images);
    // Polled: a job's progress reaches the store at most every 250 ms, and the features may all be in
    // before its message is.
    const message = async () => (await apiCall<Job[]>(server, 'jobs.list', {})).find((candidate) => candidate.kind === 'features')?.message ?? '';
    await expect.poll(message, { timeout: 15_000 }).toContain('fast decode');
    await expect.poll(() => table.getByRole('cell', { name: String(images), exact: true }).count()).toBe(1);
  });
});
