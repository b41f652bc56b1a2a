// The Library and Jobs views in Chromium against `selfguide serve` on a freshly scanned project.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ImageSummary } from '../../src/shared/schemas.ts';
import { launchChromium } from './support/browser.ts';
import { type Served, makeProject, serve } from './support/cli.ts';
import { BROKEN_FILES, DUPLICATE_PAIR, type ValidImage, writeManySmallPngs, writeMixedLibrary } from './support/images.ts';
import { detail, detailField, grid, shownCount, tab, thumbnailsSettled, tileFor, tiles } from './support/page.ts';

describe('library view', () => {
  let root: string;
  let photos: string;
  let valid: ValidImage[];
  let server: Served;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  /** The API called directly, as a reference for what the UI must show. */
  async function api<T>(method: string, input: object): Promise<T> {
    const response = await fetch(`${server.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-selfguide-token': server.token },
      body: JSON.stringify(input),
    });
    return ((await response.json()) as { result: T }).result;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-library-'));
    photos = join(root, 'photos');
    valid = await writeMixedLibrary(photos);
    await makeProject(join(root, 'project'), photos);
    server = await serve(join(root, 'project'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Fail an action with Playwright's own diagnosis long before the test's timeout.
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text());
    });
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('shows the counts of the scanned library', async () => {
    await expect.poll(() => shownCount(page, 'All')).toBe(10);
    expect(await shownCount(page, 'OK')).toBe(7);
    expect(await shownCount(page, 'Broken')).toBe(3);
    expect(await shownCount(page, 'Duplicate')).toBe(2);
    expect(await shownCount(page, 'Missing')).toBe(0);
    await expect.poll(() => page.locator('.app__project').textContent()).toBe('project');
  });

  it('takes the token out of the address bar', () => {
    expect(page.url()).not.toContain('token');
  });

  it('loads a real thumbnail for every valid image', async () => {
    await expect.poll(() => tiles(page).count()).toBe(10);
    await thumbnailsSettled(page);
    for (const image of valid) {
      const size = await tileFor(page, image.relPath)
        .locator('img')
        .evaluate((img: HTMLImageElement) => ({ width: img.naturalWidth, height: img.naturalHeight }));
      expect(size.width, image.relPath).toBeGreaterThan(0);
      // The thumbnail is this image's, not another's: same aspect ratio.
      expect(size.width / size.height).toBeCloseTo(image.width / image.height, 1);
    }
  });

  it('filters to exactly the broken files, each with its reason', async () => {
    await tab(page, 'Broken').click();
    await expect.poll(() => tiles(page).count()).toBe(3);
    const reference = await api<{ items: ImageSummary[] }>('images.list', { status: 'broken', offset: 0, limit: 10 });
    const shown = await tiles(page).evaluateAll((elements) =>
      elements.map((element) => ({
        caption: element.querySelector('.tile__caption')?.textContent,
        reason: element.querySelector('.tile__reason')?.textContent,
        hasImage: element.querySelector('img') !== null,
      })),
    );
    expect(shown.map((tile) => tile.caption).sort()).toEqual(Object.values(BROKEN_FILES).sort());
    expect(shown.every((tile) => !tile.hasImage)).toBe(true);
    const reasonOf = (name: string) => shown.find((tile) => tile.caption === name)?.reason;
    expect(reasonOf(BROKEN_FILES.empty)).toBe('empty file (0 bytes)');
    expect(reasonOf(BROKEN_FILES.text)).toMatch(/not an image/);
    expect(reasonOf(BROKEN_FILES.truncated)).toMatch(/truncated|corrupt/);
    for (const image of reference.items) expect(reasonOf(image.relPath)).toBe(image.error);
  });

  it('filters to the duplicate pair, badged with its group size', async () => {
    await tab(page, 'Duplicate').click();
    await expect.poll(() => tiles(page).count()).toBe(2);
    for (const relPath of DUPLICATE_PAIR) {
      await expect.poll(() => tileFor(page, relPath).locator('.tile__badge').textContent()).toBe('×2');
    }
  });

  it('opens an image with its real dimensions, format, size and hash', async () => {
    await tab(page, 'All').click();
    const image = valid.find((candidate) => candidate.relPath === 'cedar.jpg')!;
    await tileFor(page, image.relPath).click();
    await expect.poll(() => detailField(page, 'Dimensions').textContent()).toBe(`${image.width} × ${image.height}`);
    expect(await detailField(page, 'Format').textContent()).toBe('jpeg');
    const file = join(photos, image.relPath);
    expect(await detailField(page, 'Path').textContent()).toBe(file);
    expect(await detailField(page, 'Size').textContent()).toContain(`(${(await stat(file)).size.toLocaleString('en')} bytes)`);
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    expect(await detailField(page, 'SHA-256').textContent()).toBe(sha256);
    expect(await detailField(page, 'Status').textContent()).toBe('ok');
    const preview = detail(page).getByRole('img');
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(image.width);
  });

  it('lists the identical file of a duplicate and opens it', async () => {
    await tileFor(page, DUPLICATE_PAIR[0]).click();
    const twin = detail(page).getByRole('region', { name: 'Identical files' }).getByRole('button');
    await expect.poll(() => twin.textContent()).toBe(join(photos, DUPLICATE_PAIR[1]));
    await twin.click();
    await expect.poll(() => detailField(page, 'Path').textContent()).toBe(join(photos, DUPLICATE_PAIR[1]));
  });

  it('moves the selection with arrows, opens with Enter and closes with Escape', async () => {
    await page.keyboard.press('Escape');
    await expect.poll(() => detail(page).count()).toBe(0);
    await grid(page).focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    const selected = grid(page).locator('[role=option][aria-selected=true]');
    expect(await selected.getAttribute('aria-posinset')).toBe('2');
    const label = (await selected.getAttribute('aria-label'))!;
    await page.keyboard.press('Enter');
    await expect.poll(async () => label.startsWith((await detail(page).getByRole('heading').textContent()) ?? '?')).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await selected.getAttribute('aria-posinset')).toBe(String(2 + (await columns(page))));
    await page.keyboard.press('Escape');
    await expect.poll(() => detail(page).count()).toBe(0);
  });

  it('writes a screenshot of the library when asked', async () => {
    if (process.env.SELFGUIDE_SCREENSHOTS !== '1') return;
    await tab(page, 'All').click();
    await tileFor(page, 'aurora.jpg').click();
    await expect.poll(() => detailField(page, 'Dimensions').textContent()).toBe('320 × 240');
    await thumbnailsSettled(page);
    await detail(page).getByRole('img').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: new URL('../../docs/library.png', import.meta.url).pathname });
  });

  it('scans an added folder and updates the counts and jobs live', async () => {
    const more = join(root, 'more');
    await writeManySmallPngs(more, 2);
    await page.getByRole('textbox', { name: 'Folder path' }).fill(more);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(() => shownCount(page, 'All'), { timeout: 20_000 }).toBe(12);
    expect(await shownCount(page, 'OK')).toBe(9);
    await expect.poll(() => tiles(page).count()).toBe(12);
    await expect.poll(() => page.getByRole('combobox', { name: 'Folder' }).locator('option').count()).toBe(3);

    await page.getByRole('combobox', { name: 'Folder' }).selectOption({ label: `${more} (2)` });
    await expect.poll(() => tiles(page).count()).toBe(2);
    expect(await shownCount(page, 'All')).toBe(2);
    await page.getByRole('combobox', { name: 'Folder' }).selectOption({ label: 'All folders' });

    await expect.poll(() => page.getByRole('status', { name: 'Job activity' }).textContent()).toContain('No jobs running');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    const rows = page.getByRole('table', { name: 'Job list' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const newest = rows.first();
    expect(await newest.getAttribute('data-state')).toBe('done');
    expect(await newest.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    // The CLI's scan counted the three broken files as failed items.
    expect(await rows.nth(1).locator('td').nth(6).textContent()).toBe('3');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  });

  it('says why a folder is refused: a relative path, or one inside a registered folder', async () => {
    const inner = join(photos, 'inner');
    await mkdir(inner);
    const alert = page.getByRole('alert');
    const box = page.getByRole('textbox', { name: 'Folder path' });
    await box.fill('photos');
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(() => alert.textContent()).toContain('must be an absolute path');
    await box.fill(inner);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(() => alert.textContent()).toContain(`is inside the registered folder #1 ${await realpath(photos)}`);
    expect(await box.inputValue()).toBe(inner);
    expect(await page.getByRole('combobox', { name: 'Folder' }).locator('option').count()).toBe(3);
    expect(await shownCount(page, 'All')).toBe(12);
    // Chromium logs each refused request; those two are expected, anything else is not.
    const refusals = pageErrors.filter((text) => text.includes('status of 400'));
    expect(refusals).toHaveLength(2);
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((text) => !refusals.includes(text)));
  });

  it('refuses requests without the token', async () => {
    for (const path of ['/', '/files/thumb/1', '/api/project.info']) {
      const response = await fetch(`${server.origin}${path}`, { method: path.startsWith('/api') ? 'POST' : 'GET' });
      expect(response.status, path).toBe(401);
    }
    const socketStatus = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });
    expect(socketStatus).toBe(401);
    // The same request with the token is served: the refusal is about the token alone.
    expect((await fetch(`${server.origin}/files/thumb/1`, { headers: { 'x-selfguide-token': server.token } })).status).toBe(200);
  });

  it('logged no errors or warnings in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});

async function columns(page: Page): Promise<number> {
  return page.evaluate(() => {
    const lefts = [...document.querySelectorAll<HTMLElement>('[role=listbox] [role=option]')].map((tile) => tile.getBoundingClientRect().left);
    return new Set(lefts).size;
  });
}
