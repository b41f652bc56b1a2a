// The grid with thousands of images: the DOM holds only what is in view, pages are fetched on demand,
// and the very last image is reachable.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { type Served, makeProject, serve } from './support/cli.ts';
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
    await makeProject(join(root, 'project'), join(root, 'photos'));
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

  it('renders only the tiles in view of thousands', async () => {
    await expect.poll(() => shownCount(page, 'All')).toBe(IMAGE_COUNT);
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
});
