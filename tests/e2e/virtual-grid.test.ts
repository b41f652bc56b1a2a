// A folder of thousands of images added from the UI: its scan is followed, cancelled and resumed in the
// Jobs view; then the grid holds only what is in view, fetches pages on demand, and reaches the last image.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { type Served, selfguide, serve } from './support/cli.ts';
import { writeManySmallPngs } from './support/images.ts';
import { grid, shownCount, thumbnailsSettled, tileFor, tiles } from './support/page.ts';

const IMAGE_COUNT = 3000;

describe('virtualized grid', () => {
  let root: string;
  let names: string[];
  let server: Served;
  let browser: Browser;
  let page: Page;
  const listRequests: { offset: number; limit: number }[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-grid-'));
    names = await writeManySmallPngs(join(root, 'photos'), IMAGE_COUNT);
    await selfguide('init', join(root, 'project'));
    server = await serve(join(root, 'project'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('request', (request) => {
      if (request.url().endsWith('/api/images.list')) listRequests.push(JSON.parse(request.postData() ?? '{}'));
    });
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('follows, cancels and resumes the scan of an added folder', async () => {
    await page.getByRole('textbox', { name: 'Folder path' }).fill(join(root, 'photos'));
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    const row = page.getByRole('table', { name: 'Job list' }).locator('tbody tr').first();
    await expect.poll(() => row.getAttribute('data-state')).toBe('running');
    await expect.poll(() => row.textContent()).toMatch(/items\/s/);
    expect(await page.getByRole('status', { name: 'Job activity' }).textContent()).toMatch(/scan \d/);

    await row.getByRole('button', { name: /^Cancel job/ }).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('cancelled');
    const progress = Number(await row.getByRole('progressbar').getAttribute('aria-valuenow'));
    expect(progress).toBeLessThan(100);

    await row.getByRole('button', { name: /^Resume job/ }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 40_000 }).toBe('done');
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  });

  it('renders only the tiles in view of thousands', async () => {
    await expect.poll(() => shownCount(page, 'All')).toBe(IMAGE_COUNT);
    expect(await shownCount(page, 'OK')).toBe(IMAGE_COUNT);
    await tileFor(page, names[0]!).waitFor();
    const rendered = await tiles(page).count();
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(100);
    // The scrollbar still spans the whole library.
    const heights = await grid(page).evaluate((element) => ({ scroll: element.scrollHeight, client: element.clientHeight }));
    expect(heights.scroll).toBeGreaterThan(heights.client * 20);
  });

  it('shows the last image after scrolling to the end, still with few tiles in the DOM', async () => {
    await grid(page).evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    const last = tileFor(page, names.at(-1)!);
    await last.waitFor();
    expect(await last.getAttribute('aria-posinset')).toBe(String(IMAGE_COUNT));
    await thumbnailsSettled(page);
    expect(await last.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    expect(await tiles(page).count()).toBeLessThan(100);
    expect(await tileFor(page, names[0]!).count()).toBe(0);
  });

  it('fetched pages of the list on demand, not the whole list', () => {
    expect(listRequests.length).toBeGreaterThan(0);
    for (const request of listRequests) expect(request.limit).toBeLessThanOrEqual(200);
    const fetched = new Set(listRequests.map((request) => request.offset)).size * 200;
    expect(fetched).toBeLessThan(IMAGE_COUNT / 2);
  });

  it('jumps to the first image with Home and back to the last with End', async () => {
    await grid(page).focus();
    await page.keyboard.press('Home');
    await tileFor(page, names[0]!).waitFor();
    expect(await grid(page).evaluate((element) => element.scrollTop)).toBe(0);
    await page.keyboard.press('End');
    const last = tileFor(page, names.at(-1)!);
    await last.waitFor();
    expect(await last.getAttribute('aria-selected')).toBe('true');
  });

  it('keeps the selected image in view when a narrower window changes the number of columns', async () => {
    const last = tileFor(page, names.at(-1)!);
    const inView = async () => {
      const [tile, view] = [await last.boundingBox(), await grid(page).boundingBox()];
      return tile !== null && view !== null && tile.y >= view.y - 1 && tile.y + tile.height <= view.y + view.height + 1;
    };
    expect(await inView()).toBe(true);
    const columns = () => grid(page).evaluate((element) => new Set([...element.querySelectorAll('[role=option]')].map((tile) => (tile as HTMLElement).style.transform.split(',')[0])).size);
    const wide = await columns();
    await page.setViewportSize({ width: 760, height: 700 });
    await expect.poll(columns).toBeLessThan(wide);
    await expect.poll(inView).toBe(true);
    expect(await last.getAttribute('aria-selected')).toBe('true');
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(columns).toBe(wide);
    await expect.poll(inView).toBe(true);
  });
});
