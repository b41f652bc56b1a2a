// The Boxes and Masks views on a real project (colour groups, tiny ViT features with patches, k = 3
// clusters, LOST boxes, K = 4 segment masks, all through the CLI): a box resized by dragging its
// corner, accepted, given another cluster, kept through a recompute that asks first; a mask drawn over
// its image at the chosen opacity with its legend, a segment renamed and used as a filter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageBox } from '../../src/shared/boxes.ts';
import type { ImageMask, MaskSummary } from '../../src/shared/masks.ts';
import { writeColourGroups } from '../support/colour-groups.ts';
import { launchChromium } from './support/browser.ts';
import { type Served, selfguide, serve } from './support/cli.ts';
import { apiCall, clusteredProject } from './support/cluster-project.ts';

const PER_GROUP = 4;

describe('boxes and masks views', () => {
  let root: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  let boxRunId: number;
  let maskRunId: number;

  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-review-'));
    await writeColourGroups(join(root, 'photos'), PER_GROUP);
    const projectDir = join(root, 'project');
    await clusteredProject(projectDir, join(root, 'photos'), 3);
    await selfguide('features', '--project', projectDir, '--with-patches', '--quiet', '--json');
    await selfguide('boxes', '--project', projectDir, '--quiet', '--json');
    await selfguide('masks', '--project', projectDir, '--k', '4', '--quiet', '--json');
    server = await serve(projectDir);
    boxRunId = (await apiCall<{ id: number }[]>(server, 'boxes.runs', {}))[0]!.id;
    maskRunId = (await apiCall<{ id: number }[]>(server, 'masks.runs', {}))[0]!.id;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(server.url);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('resizes a box by dragging its corner and stores the edit as a decision', async () => {
    await nav('Boxes');
    const grid = page.getByRole('listbox', { name: 'Box images' });
    await expect.poll(() => grid.getByRole('option').count()).toBe(3 * PER_GROUP);
    const imageId = Number(await grid.getByRole('option').first().getAttribute('data-image-id'));
    await grid.getByRole('option').first().click();
    const panel = page.getByRole('complementary', { name: 'Box review' });
    const box = panel.locator('[data-role=box]');
    await box.waitFor();
    const before = (await box.getAttribute('data-box'))!.split(',').map(Number) as [number, number, number, number];
    const computed = await apiCall<ImageBox>(server, 'boxes.get', { runId: boxRunId, imageId });
    expect(before).toEqual(computed.computed!.box);

    // Screen pixels per image pixel, from the drawn box itself.
    const drawn = (await box.boundingBox())!;
    const scale = drawn.width / (before[2] - before[0]);
    const grip = (await panel.locator('[data-grip=se]').boundingBox())!;
    // Shrink by about a quarter of the box, in whole screen pixels.
    const [dx, dy] = [-Math.round(drawn.width / 4), -Math.round(drawn.height / 4)];
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2 + dx, grip.y + grip.height / 2 + dy, { steps: 5 });
    await page.mouse.up();
    const expected = [before[0], before[1], before[2] + Math.round(dx / scale), before[3] + Math.round(dy / scale)];
    expect(expected[2]).toBeLessThan(before[2]);
    await expect.poll(async () => (await apiCall<ImageBox>(server, 'boxes.get', { runId: boxRunId, imageId })).decision?.box).toEqual(expected);
    expect(await box.getAttribute('data-box')).toBe(expected.join(','));
    expect(await panel.locator('[data-role=box-status]').textContent()).toContain('edited');
    // The computed box stays visible beside the edit.
    expect(await panel.locator('.box-editor__computed').count()).toBe(1);
  });

  it('accepts the box, gives it another cluster, and filters by status', async () => {
    const panel = page.getByRole('complementary', { name: 'Box review' });
    await panel.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => panel.locator('[data-role=box-status]').textContent()).toMatch(/^\s*accepted/);
    const imageBox = async () => {
      const [first] = (await apiCall<{ items: ImageBox[] }>(server, 'boxes.list', { runId: boxRunId, filter: 'accepted' })).items;
      return first;
    };
    const accepted = (await imageBox())!;
    const other = [0, 1, 2].find((cluster) => cluster !== accepted.effective.cluster)!;
    await panel.getByLabel('Box cluster').selectOption(String(other));
    await expect.poll(async () => (await imageBox())?.effective.cluster).toBe(other);

    await page.getByRole('tab', { name: 'accepted' }).click();
    const grid = page.getByRole('listbox', { name: 'Box images' });
    await expect.poll(() => grid.getByRole('option').count()).toBe(1);
    expect(Number(await grid.getByRole('option').first().getAttribute('data-image-id'))).toBe(accepted.imageId);
    await page.getByRole('tab', { name: 'all' }).click();
  });

  it('asks before recomputing boxes that were reviewed, and keeps the review', async () => {
    const [reviewed] = (await apiCall<{ items: ImageBox[] }>(server, 'boxes.list', { runId: boxRunId, filter: 'accepted' })).items;
    const jobBefore = (await apiCall<{ id: number; jobId: number }[]>(server, 'boxes.runs', {}))[0]!.jobId;
    await page.getByRole('button', { name: 'Recompute' }).click();
    const dialog = page.getByRole('dialog', { name: 'Recompute these boxes?' });
    await dialog.getByRole('button', { name: 'Recompute' }).click();
    await expect.poll(async () => (await apiCall<{ jobId: number; state: string }[]>(server, 'boxes.runs', {}))[0]).toMatchObject({ state: 'done' });
    expect((await apiCall<{ jobId: number }[]>(server, 'boxes.runs', {}))[0]!.jobId).not.toBe(jobBefore);
    const after = await apiCall<ImageBox>(server, 'boxes.get', { runId: boxRunId, imageId: reviewed!.imageId });
    expect(after.decision).toEqual(reviewed!.decision);
    expect(after.effective).toEqual(reviewed!.effective);
  });

  it('decides one image per key press, also in a burst of presses', async () => {
    const grid = page.getByRole('listbox', { name: 'Box images' });
    const ids = await grid.getByRole('option').evaluateAll((options) => options.map((option) => Number(option.getAttribute('data-image-id'))));
    const pending = async () => new Set((await apiCall<{ items: ImageBox[] }>(server, 'boxes.list', { runId: boxRunId, filter: 'pending' })).items.map((item) => item.imageId));
    const before = await pending();
    // four images in a row from the grid's third, none reviewed yet
    const start = 2;
    expect(ids.slice(start, start + 4).every((id) => before.has(id))).toBe(true);
    await grid.getByRole('option').nth(start).click();
    await page.getByRole('complementary', { name: 'Box review' }).locator('[data-role=box]').waitFor();
    for (let press = 0; press < 4; press++) await page.keyboard.press('a');
    const decided = async () => {
      const now = await pending();
      return [...before].filter((id) => !now.has(id)).length;
    };
    await expect.poll(decided).toBe(4);
    const accepted = (await apiCall<{ items: ImageBox[] }>(server, 'boxes.list', { runId: boxRunId, filter: 'accepted' })).items.map((item) => item.imageId);
    expect(accepted).toEqual(expect.arrayContaining(ids.slice(start, start + 4)));
  });

  it('offers the clusters split off in the Clusters view as box clusters and as a filter', async () => {
    const { clusterRunId } = (await apiCall<{ clusterRunId: number }[]>(server, 'boxes.runs', {}))[0]!;
    const split = await apiCall<{ clusters: { id: number }[] }>(server, 'clusters.split', { runId: clusterRunId, clusterId: 0, k: 2 });
    const newest = String(Math.max(...split.clusters.map((cluster) => cluster.id)));
    await page.reload();
    await nav('Boxes');
    const grid = page.getByRole('listbox', { name: 'Box images' });
    await grid.getByRole('option').first().click();
    const panel = page.getByRole('complementary', { name: 'Box review' });
    await expect.poll(() => panel.getByLabel('Box cluster').locator('option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))).toContain(newest);
    expect(await page.getByLabel('Cluster', { exact: true }).locator(`option[value="${newest}"]`).count()).toBe(1);
  });

  it('draws a mask over its image at the chosen opacity, with the legend of its segments', async () => {
    await nav('Masks');
    const grid = page.getByRole('listbox', { name: 'Mask images' });
    await expect.poll(() => grid.getByRole('option').count()).toBe(3 * PER_GROUP);
    const imageId = Number(await grid.getByRole('option').first().getAttribute('data-image-id'));
    await grid.getByRole('option').first().click();
    const panel = page.getByRole('complementary', { name: 'Mask review' });
    const map = panel.locator('[data-role=mask]');
    await expect.poll(() => map.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(48);

    const expected = await apiCall<ImageMask>(server, 'masks.get', { runId: maskRunId, imageId });
    const legend = panel.getByRole('list', { name: 'Segments in this image' }).getByRole('listitem');
    expect(await legend.count()).toBe(expected.legend.length);
    expect(await legend.first().textContent()).toContain(`${(100 * expected.legend[0]!.fraction).toFixed(1)}%`);
    expect(expected.legend.reduce((sum, entry) => sum + entry.fraction, 0)).toBeCloseTo(1, 6);

    await page.getByLabel('Opacity').fill('0.2');
    await expect.poll(() => map.evaluate((img: HTMLImageElement) => getComputedStyle(img).opacity)).toBe('0.2');
  });

  it('renames a segment and filters the images by it', async () => {
    const summary = await apiCall<MaskSummary>(server, 'masks.summary', { runId: maskRunId });
    const panel = page.getByRole('complementary', { name: 'Mask review' });
    const first = (await panel.getByRole('list', { name: 'Segments in this image' }).getByRole('listitem').first().getAttribute('data-segment'))!;
    const segment = summary.segments.find((candidate) => candidate.id === Number(first))!;
    const entry = page.getByRole('list', { name: 'Segments' }).locator(`[data-segment="${segment.id}"]`);
    await entry.getByRole('button', { name: `Rename ${segment.name}` }).click();
    await entry.getByRole('textbox', { name: 'Segment name' }).fill('sky');
    await entry.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => panel.getByRole('list', { name: 'Segments in this image' }).getByRole('listitem').first().textContent()).toContain('sky');
    expect((await apiCall<MaskSummary>(server, 'masks.summary', { runId: maskRunId })).segments[segment.id]).toMatchObject({ name: 'sky', renamed: true });

    await entry.getByRole('button', { name: /^sky/ }).click();
    await expect.poll(() => page.getByRole('listbox', { name: 'Mask images' }).getByRole('option').count()).toBe(segment.images);
  });
});
