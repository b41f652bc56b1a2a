// The Export dialog on a real project (colour groups, tiny ViT features, k = 3 clusters and LOST boxes,
// through the CLI): opened from the Clusters view with the run on screen, it exports COCO into a typed
// folder with the job's progress and result, and asks before replacing that folder on a second export.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportRecord } from '../../src/shared/exports.ts';
import { GROUPS, writeColourGroups } from '../support/colour-groups.ts';
import { type OpenApp, openApp } from './support/app.ts';
import { type Served, selfguide } from './support/cli.ts';
import { apiCall, clusteredProject } from './support/cluster-project.ts';

const PER_GROUP = 4;
const IMAGES = Object.keys(GROUPS).length * PER_GROUP;

interface Coco {
  images: { id: number; file_name: string; cluster?: number }[];
  categories: { id: number; name: string; supercategory: string }[];
  annotations: { image_id: number; category_id: number; bbox: number[] }[];
}

describe('export dialog', () => {
  let root: string;
  let app: OpenApp;
  let server: Served;
  let page: Page;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-export-'));
    await writeColourGroups(join(root, 'photos'), PER_GROUP);
    const projectDir = join(root, 'project');
    await clusteredProject(projectDir, join(root, 'photos'), 3);
    await selfguide('boxes', '--project', projectDir, '--quiet', '--json');
    app = await openApp(projectDir);
    ({ server, page } = app);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('exports COCO from the Clusters view and shows the result; a second export asks before replacing', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export labels' });
    await expect.poll(() => dialog.getByLabel('Format').inputValue()).toBe('coco');
    expect(await dialog.locator('[data-role=format-info]').textContent()).toContain('annotations.json');
    // The run on screen, and the newest box run, are the defaults.
    const [clusterRun] = await apiCall<{ id: number }[]>(server, 'clusters.runs', {});
    const [boxRun] = await apiCall<{ id: number }[]>(server, 'boxes.runs', {});
    expect(await dialog.getByLabel('Clustering run').inputValue()).toBe(String(clusterRun!.id));
    expect(await dialog.getByLabel('Box run').inputValue()).toBe(String(boxRun!.id));
    await dialog.getByLabel('Mask run').selectOption({ label: 'none' });

    const outDir = join(root, 'exported', 'coco');
    await dialog.getByLabel('Folder').fill(outDir);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const result = dialog.locator('[data-role=export-result]');
    await result.waitFor();
    expect(await result.textContent()).toMatch(new RegExp(`Exported ${IMAGES} images \\(${IMAGES} boxes, 0 masks\\) to\\s+${outDir}`));
    expect(await dialog.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');

    const coco = JSON.parse(readFileSync(join(outDir, 'annotations.json'), 'utf8')) as Coco;
    expect(coco.images).toHaveLength(IMAGES);
    expect(coco.categories.map((c) => c.supercategory)).toEqual(['cluster', 'cluster', 'cluster']);
    expect(coco.annotations).toHaveLength(IMAGES);
    for (const annotation of coco.annotations) expect(annotation.bbox).toHaveLength(4);
    const [record] = await apiCall<ExportRecord[]>(server, 'export.list', {});
    expect(record).toMatchObject({ format: 'coco', outDir, state: 'done', images: IMAGES, runs: { clusterRunId: clusterRun!.id, boxRunId: boxRun!.id, maskRunId: null } });

    // Again into the same folder: refused until the person confirms replacing it.
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Replace the folder?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('exists and is not empty');
    await confirm.getByRole('button', { name: 'Replace' }).click();
    await expect.poll(async () => (await apiCall<ExportRecord[]>(server, 'export.list', {})).map((r) => r.state)).toEqual(['done', 'done']);
    await result.waitFor();
    expect(readdirSync(outDir)).toEqual(['annotations.json']);
    expect(existsSync(join(root, 'exported'))).toBe(true);
    expect(readdirSync(join(root, 'exported'))).toEqual(['coco']); // no scratch folder left beside it
  });

  it('exports ImageFolder without reading or reporting the box run it cannot hold', async () => {
    const dialog = page.getByRole('dialog', { name: 'Export labels' });
    await dialog.getByLabel('Format').selectOption('imagefolder');
    expect(await dialog.getByLabel('Box run').count()).toBe(0);
    const outDir = join(root, 'exported', 'imagefolder');
    await dialog.getByLabel('Folder').fill(outDir);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(async () => (await apiCall<ExportRecord[]>(server, 'export.list', {})).length).toBe(3);
    const result = dialog.locator('[data-role=export-result]');
    await expect.poll(() => result.textContent()).toMatch(new RegExp(`^\\s*Exported ${IMAGES} images to\\s+${outDir}`));
    const [record] = await apiCall<ExportRecord[]>(server, 'export.list', {});
    expect(record).toMatchObject({ format: 'imagefolder', state: 'done', images: IMAGES, boxes: 0, masks: 0, runs: { boxRunId: null, maskRunId: null } });
  });
});
