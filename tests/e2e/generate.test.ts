// The Generate view in Chromium against `selfguide serve`: import a tiny model exported by the real
// trainer (linked to a clustering run of the project, whose images show as exemplars), generate a guided
// batch, see the grid and the history, save a PNG, load its parameters back, watch the live predicted-x0
// preview of a long run before cancelling it, draw a box layout and paint a mask.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generation } from '../../src/shared/generations.ts';
import { exportTinyDiffusionModels } from '../support/diffusion-models.ts';
import { launchChromium } from './support/browser.ts';
import { type Served, serve } from './support/cli.ts';
import { apiCall, clusteredProject } from './support/cluster-project.ts';
import { writeManySmallPngs } from './support/images.ts';

describe('generate view', () => {
  let root: string;
  let modelDir: string;
  let boxModelDir: string;
  let maskModelDir: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const api = <T,>(method: string, input: object) => apiCall<T>(server, method, input);
  const settings = () => page.getByRole('form', { name: 'Generation settings' });
  const field = (name: string) => settings().getByLabel(name, { exact: true });
  const alert = () => page.getByRole('region', { name: 'Generate' }).getByRole('alert');
  const newest = async () => (await api<Generation[]>('generations.list', {}))[0]!;
  /** The painted cells of a mask (ids as base64 bytes, 255 = none), as layout pixel indices. */
  const maskCells = (segments: string) => [...Buffer.from(segments, 'base64').entries()].filter(([, id]) => id !== 255).map(([p]) => p);
  /** The cells the mask canvas shows painted (one canvas pixel per layout cell; unpainted ones are transparent). */
  const canvasCells = () =>
    page.getByLabel('Mask canvas').evaluate((canvas: HTMLCanvasElement) => {
      const copy = Object.assign(document.createElement('canvas'), { width: canvas.width, height: canvas.height }); // read once each, not the painter's own
      const context = copy.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(canvas, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      return [...Array(canvas.width * canvas.height).keys()].filter((p) => data[p * 4 + 3]! > 0);
    });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfguide-e2e-generate-'));
    ({ label: modelDir, box: boxModelDir, mask: maskModelDir } = await exportTinyDiffusionModels(join(root, 'models'), ['label', 'box', 'mask']));
    await writeManySmallPngs(join(root, 'photos', 'all'), 20);
    await clusteredProject(join(root, 'project'), join(root, 'photos'), 10);
    server = await serve(join(root, 'project'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text());
    });
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Generate' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('imports a model folder linked to a clustering run; each cluster shows its names and nearest images', async () => {
    await expect.poll(() => page.getByText('No diffusion model yet').isVisible()).toBe(true);
    await page.getByLabel('Model folder path').fill(modelDir);
    await page.getByLabel('Clustering run id').fill('1');
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => field('Model').inputValue()).toBe('1');
    await expect.poll(() => page.getByRole('radio', { name: /^7 · Sneaker/ }).count()).toBe(1);
    expect(await page.getByRole('radiogroup', { name: 'Cluster' }).getByRole('radio').count()).toBe(10);
    const { clusters } = await api<{ clusters: { id: number; size: number }[] }>('clusters.summary', { runId: 1 });
    const shown = (cluster: number) => page.getByRole('radio').filter({ hasText: new RegExp(`^${cluster} · `) }).locator('img');
    for (const { id, size } of clusters) {
      await expect.poll(() => shown(id).count(), { message: `cluster ${id}` }).toBe(Math.min(4, size));
      const members = await api<{ items: { imageId: number }[] }>('clusters.images', { runId: 1, clusterId: id, limit: 4 });
      expect(await shown(id).evaluateAll((images: HTMLImageElement[]) => images.map((img) => img.getAttribute('src')))).toEqual(members.items.map((m) => `/files/thumb/${m.imageId}`));
    }
    await expect.poll(() => shown(clusters.find((c) => c.size > 0)!.id).first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  });

  it("names a cluster as a person renamed it in the project, else as model.json does", async () => {
    await api('clusters.rename', { runId: 1, clusterId: 3, name: 'renamed in the project' });
    await page.reload();
    await expect.poll(() => page.getByRole('radio', { name: /^3 · renamed in the project/ }).count()).toBe(1);
    expect(await page.getByRole('radio', { name: /^7 · Sneaker/ }).count()).toBe(1); // not renamed: model.json's name
  });

  it('generates a guided batch: the grid shows every image, the history records every parameter', async () => {
    await page.getByRole('radio', { name: /^7 · Sneaker/ }).click();
    await field('Guidance scale').fill('2.5');
    await field('Steps').fill('6');
    await field('Seed').fill('5');
    await field('Batch size').fill('3');
    await settings().getByRole('button', { name: 'Generate' }).click();

    const grid = page.getByRole('list', { name: 'Generated images' });
    await expect.poll(() => grid.locator('img').count()).toBe(3);
    await expect
      .poll(() => grid.locator('img').evaluateAll((images: HTMLImageElement[]) => images.map((img) => img.complete && img.naturalWidth)))
      .toEqual([16, 16, 16]);
    const [generation] = await api<Generation[]>('generations.list', {});
    expect(generation).toMatchObject({ state: 'done', images: 3, randomSeed: false });
    expect(generation!.parameters).toMatchObject({ count: 3, seed: 5, w: 2.5, steps: 6, sampler: 'ddim', condition: { kind: 'cluster', cluster: 7 } });
    const row = page.getByRole('table', { name: 'Generation history' }).locator('tbody tr').first();
    await expect.poll(() => row.textContent()).toMatch(/cluster 7.*2\.5.*ddim 6.*5.*3\/3.*done/);
    expect(await page.getByRole('region', { name: 'Progress' }).locator('[data-role=seed]').textContent()).toBe('seed 5');
  });

  it('shows the seed a random generation drew, as recorded', async () => {
    await settings().getByLabel('Random seed').check();
    await settings().getByRole('button', { name: 'Generate' }).click();
    await expect.poll(async () => (await newest()).state).toBe('done');
    const drawn = (await newest()).parameters.seed;
    await expect.poll(() => page.getByRole('region', { name: 'Progress' }).locator('[data-role=seed]').textContent()).toBe(`seed ${drawn}`);
    await settings().getByLabel('Random seed').uncheck();
    await page.getByRole('table', { name: 'Generation history' }).locator('tbody tr').nth(1).click(); // the tests below look at generation #1
    await expect.poll(() => page.getByRole('region', { name: 'Progress' }).locator('[data-role=seed]').textContent()).toBe('seed 5');
  });

  it('saves a PNG: the link serves the generated file, parameters inside', async () => {
    const link = page.getByRole('link', { name: 'Save PNG' }).nth(1);
    expect(await link.getAttribute('download')).toBe('selfguide-gen1-001-seed5.png');
    const served = await page.evaluate(async (href) => [...new Uint8Array(await (await fetch(href!)).arrayBuffer())], await link.getAttribute('href'));
    const onDisk = await readFile(join(root, 'project', 'generations', '1', '001.png'));
    expect(Buffer.from(served).equals(onDisk)).toBe(true);
  });

  it('loads the parameters back from a picked PNG into the form', async () => {
    await field('Steps').fill('50');
    await field('Seed').fill('0');
    await field('Guidance scale').fill('1');
    await page.getByRole('radio', { name: /^0 · T-shirt/ }).click();
    await settings().getByLabel('Load parameters from PNG').setInputFiles(join(root, 'project', 'generations', '1', '002.png'));
    await expect.poll(() => page.locator('.generate__notice').textContent()).toMatch(/image 3 of 3 \(model export, seed 5\)/);
    expect(await field('Steps').inputValue()).toBe('6');
    expect(await field('Seed').inputValue()).toBe('5');
    expect(await field('Guidance scale').inputValue()).toBe('2.5');
    expect(await page.getByRole('radio', { name: /^7 · Sneaker/ }).getAttribute('aria-checked')).toBe('true');
  });

  it('says so when a picked PNG carries no parameters (the preview, a PNG without the chunk)', async () => {
    await settings().getByLabel('Load parameters from PNG').setInputFiles({ name: 'plain.png', mimeType: 'image/png', buffer: await readFile(join(root, 'project', 'generations', '1', 'preview.png')) });
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/plain\.png carries no selfguide parameters/);
  });

  it('refuses an empty or out-of-range number naming the field and its range, and drops a message once the fields change', async () => {
    await expect.poll(() => alert().count()).toBe(1); // the previous test's message
    await field('Steps').fill('7');
    await expect.poll(() => alert().count()).toBe(0);
    const before = (await api<Generation[]>('generations.list', {})).length;
    const generate = settings().getByRole('button', { name: 'Generate' });
    await field('Steps').fill('');
    await generate.click();
    await expect.poll(() => alert().textContent()).toBe('Steps must be an integer from 1 to 999');
    await field('Steps').fill('6');
    await expect.poll(() => alert().count()).toBe(0);
    await field('Guidance scale').fill('');
    await generate.click();
    await expect.poll(() => alert().textContent()).toBe('Guidance scale w must be a number from -10 to 50');
    await field('Guidance scale').fill('2.5');
    await expect.poll(() => alert().count()).toBe(0);
    // The Seed field carries the API's range, so the browser itself refuses 2^32.
    expect(await field('Seed').getAttribute('max')).toBe(String(2 ** 32 - 1));
    await field('Seed').fill(String(2 ** 32));
    await generate.click();
    expect(await field('Seed').evaluate((input: HTMLInputElement) => input.validity.rangeOverflow)).toBe(true);
    await field('Seed').fill('');
    await generate.click();
    await expect.poll(() => alert().textContent()).toBe('Seed must be an integer from 0 to 4294967295');
    await field('Seed').fill('5');
    await expect.poll(() => alert().count()).toBe(0);
    expect((await api<Generation[]>('generations.list', {})).length).toBe(before);
  });

  it('shows live progress with the predicted-x0 preview, in the history row too, finds the run again after a reload, and cancels', async () => {
    await field('Steps').fill('900');
    await field('Batch size').fill('8');
    await settings().getByRole('button', { name: 'Generate' }).click();
    const preview = page.getByRole('img', { name: 'Predicted x0 preview' });
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(16 * 8);
    await expect.poll(() => page.getByLabel('Progress details').textContent()).toMatch(/\d+\/900 steps · [\d.]+ steps\/s · ETA/);
    const row = page.getByRole('table', { name: 'Generation history' }).locator('tbody tr').first();
    await expect.poll(() => row.textContent()).toMatch(/0\/8\s*running/);

    // A reload during the run finds it again: progress, preview and Cancel, and no second Generate.
    const { id } = await newest();
    await page.reload();
    await expect.poll(() => page.getByRole('region', { name: 'Progress' }).getByRole('heading').textContent()).toMatch(new RegExp(`Generation #${id} · running`));
    await expect.poll(() => page.getByLabel('Progress details').textContent()).toMatch(/\d+\/900 steps/);
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(16 * 8);
    expect(await settings().getByRole('button', { name: 'Generate' }).isDisabled()).toBe(true);
    await expect.poll(() => row.textContent()).toMatch(/0\/8\s*running/);
    await settings().getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(async () => (await api<Generation[]>('generations.list', {}))[0]?.state).toBe('cancelled');
    await expect.poll(() => page.getByRole('table', { name: 'Generation history' }).locator('tbody tr').first().textContent()).toMatch(/cancelled/);
  });

  it('draws a box layout on a box model and generates with it', async () => {
    await page.getByLabel('Model folder path').fill(boxModelDir);
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => field('Model').inputValue()).toBe('2');
    await expect.poll(() => page.getByRole('radio', { name: 'Box layout' }).isChecked()).toBe(true);
    await field('Box cluster').selectOption({ label: '2 · blue' });
    const surface = await page.getByLabel('Box drawing surface').boundingBox();
    await page.mouse.move(surface!.x + surface!.width * 0.25, surface!.y + surface!.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(surface!.x + surface!.width * 0.75, surface!.y + surface!.height * 0.9, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByRole('list', { name: 'Boxes' }).textContent()).toMatch(/blue: 25%,50% → 75%,90%/);
    await field('Steps').fill('3');
    await field('Batch size').fill('1');
    await settings().getByRole('button', { name: 'Generate' }).click();
    await expect.poll(async () => (await api<Generation[]>('generations.list', {}))[0]?.state).toBe('done');
    const [generation] = await api<Generation[]>('generations.list', {});
    const condition = generation!.parameters.condition as { kind: string; boxes: { x0: number; y0: number; x1: number; y1: number; cluster: number }[] };
    expect(condition.kind).toBe('boxes');
    expect(condition.boxes).toHaveLength(1);
    expect(condition.boxes[0]!.cluster).toBe(2);
    for (const [key, value] of Object.entries({ x0: 0.25, y0: 0.5, x1: 0.75, y1: 0.9 })) expect(condition.boxes[0]![key as 'x0']).toBeCloseTo(value, 1);
    await expect.poll(() => page.getByRole('list', { name: 'Generated images' }).locator('img').evaluateAll((images: HTMLImageElement[]) => images.map((img) => img.naturalWidth))).toEqual([16]);
  });

  it('paints a mask with a chosen segment and brush, and generates with exactly that layout', async () => {
    await page.getByLabel('Model folder path').fill(maskModelDir);
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => field('Model').inputValue()).toBe('3');
    await expect.poll(() => page.getByRole('radio', { name: 'Mask', exact: true }).isChecked()).toBe(true);
    await page.getByLabel('Brush segment').selectOption({ label: '2 · sand' });
    await page.getByLabel('Brush size').fill('1'); // one layout pixel per painted cell
    const canvas = (await page.getByLabel('Mask canvas').boundingBox())!;
    const cell = canvas.width / 16; // the tiny model's 16 × 16 layout
    const at = (x: number, y: number) => [canvas.x + (x + 0.5) * cell, canvas.y + (y + 0.5) * cell] as const;
    await page.mouse.move(...at(2, 5));
    await page.mouse.down();
    await page.mouse.move(...at(9, 5), { steps: 14 }); // a horizontal stroke along row 5, columns 2…9
    await page.mouse.up();
    await field('Steps').fill('3');
    await field('Batch size').fill('1');
    await settings().getByRole('button', { name: 'Generate' }).click();
    await expect.poll(async () => (await api<Generation[]>('generations.list', {}))[0]?.state).toBe('done');
    const [generation] = await api<Generation[]>('generations.list', {});
    const condition = generation!.parameters.condition as { kind: string; width: number; height: number; segments: string };
    expect(condition).toMatchObject({ kind: 'mask', width: 16, height: 16 });
    const ids = Buffer.from(condition.segments, 'base64');
    const painted = [...ids.keys()].filter((p) => ids[p] !== 255);
    expect(painted).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((x) => 5 * 16 + x));
    expect(painted.every((p) => ids[p] === 2)).toBe(true);
    await expect.poll(() => page.getByRole('list', { name: 'Generated images' }).locator('img').evaluateAll((images: HTMLImageElement[]) => images.map((img) => img.naturalWidth))).toEqual([16]);
  });

  it('shows a mask loaded from a PNG in the painter, and generating again sends that same mask', async () => {
    const first = await newest();
    const loaded = (first.parameters.condition as { segments: string }).segments;
    const png = join(root, 'project', 'generations', String(first.id), '000.png');
    const load = () => settings().getByLabel('Load parameters from PNG').setInputFiles(png);
    const generateAfter = async (previous: number) => {
      await settings().getByRole('button', { name: 'Generate' }).click();
      await expect.poll(async () => { const g = await newest(); return g.id > previous && g.state; }).toBe('done');
      return newest();
    };

    // The painter is not on screen: loading the parameters brings it, showing the loaded mask.
    await page.getByRole('radio', { name: 'Mask of an image' }).click();
    await load();
    await expect.poll(canvasCells).toEqual(maskCells(loaded));
    const again = await generateAfter(first.id);
    expect(again.parameters.condition).toEqual(first.parameters.condition);

    // The painter is on screen: cleared by hand, then loading shows the mask, and a stroke paints over it.
    await settings().getByRole('button', { name: 'Clear' }).click();
    await expect.poll(canvasCells).toEqual([]);
    await load();
    await expect.poll(canvasCells).toEqual(maskCells(loaded));
    await page.getByLabel('Brush segment').selectOption({ label: '2 · sand' });
    await page.getByLabel('Brush size').fill('1');
    const canvas = (await page.getByLabel('Mask canvas').boundingBox())!;
    await page.mouse.click(canvas.x + canvas.width / 32, canvas.y + canvas.height / 32); // cell (0, 0)
    const painted = await generateAfter(again.id);
    const ids = Buffer.from((painted.parameters.condition as { segments: string }).segments, 'base64');
    expect(maskCells(ids.toString('base64'))).toEqual([0, ...maskCells(loaded)]);
    expect(ids[0]).toBe(2);
  });

  it('deletes a generation from the history only after the person confirms', async () => {
    const history = page.getByRole('table', { name: 'Generation history' });
    const before = await api<Generation[]>('generations.list', {});
    const oldest = before.at(-1)!;
    await history.getByRole('button', { name: `Delete generation #${oldest.id}`, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete generation #${oldest.id}?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await api<Generation[]>('generations.list', {})).map((g) => g.id)).toContain(oldest.id);
    await history.getByRole('button', { name: `Delete generation #${oldest.id}`, exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => history.locator('tbody tr').count()).toBe(before.length - 1);
    expect((await api<Generation[]>('generations.list', {})).map((g) => g.id)).not.toContain(oldest.id);
    const image = await fetch(`${server.origin}/files/generation/${oldest.id}/0`, { headers: { 'x-selfguide-token': server.token } });
    expect(image.status).toBe(404);
  });

  it('had no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
