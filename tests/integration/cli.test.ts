import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pixels, writeBrokenFiles } from '../support/images.ts';
import { BIN, selfguide, selfguideJson } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('selfguide CLI', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  const project = join(root, 'project');

  beforeAll(async () => {
    mkdirSync(photos);
    for (let i = 0; i < 5; i++) await pixels(40, 30, i).png().toFile(join(photos, `ok-${i}.png`));
    await writeBrokenFiles(photos);
  });

  it('prints an overview and per-command help', () => {
    const overview = selfguide(['--help']);
    expect(overview.code).toBe(0);
    for (const command of ['init', 'scan', 'status', 'serve', 'demo']) expect(overview.stdout).toContain(command);
    const help = selfguide(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
  });

  it('fails with exit code 2 and the usage on bad arguments', () => {
    expect(selfguide([]).code).toBe(2);
    const unknown = selfguide(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
    const badOption = selfguide(['status', '--no-such-option']);
    expect(badOption.code).toBe(2);
    expect(selfguide(['init']).code).toBe(2);
  });

  it('init creates a project, and says so in JSON', () => {
    const created = selfguideJson<{ created: boolean; schemaVersion: number }>(['init', project]);
    expect(created.code).toBe(0);
    expect(created.json.created).toBe(true);
    expect(selfguideJson<{ created: boolean }>(['init', project]).json.created).toBe(false);
  });

  it('exits 3 with advice when the folder is not a project', () => {
    const result = selfguide(['status', '--project', join(root, 'not-a-project')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('selfguide init');
  });

  it('scans a folder and reports broken files without failing', () => {
    const scan = selfguideJson<{ job: { state: string; failedItems: number }; counts: Record<string, number> }>([
      'scan', '--project', project, photos,
    ]);
    expect(scan.code).toBe(0);
    expect(scan.json.job.state).toBe('done');
    expect(scan.json.counts).toMatchObject({ all: 9, ok: 5, broken: 4, missing: 0 });
    expect(scan.json.job.failedItems).toBe(4);
  });

  it('status lists folders, counts and jobs', () => {
    const status = selfguideJson<{ folders: { path: string; imageCount: number }[]; counts: { all: number }; jobs: { state: string }[] }>([
      'status', '--project', project,
    ]);
    expect(status.code).toBe(0);
    expect(status.json.folders).toHaveLength(1);
    expect(status.json.folders[0]?.imageCount).toBe(9);
    expect(status.json.jobs[0]?.state).toBe('done');
    const human = selfguide(['status', '--project', project]);
    expect(human.stdout).toContain('4 broken');
  });

  it('refuses a folder that does not exist with a clear message', () => {
    writeFileSync(join(root, 'a-file'), 'x');
    const result = selfguideJson<{ error: { message: string } }>(['scan', '--project', project, join(root, 'a-file')]);
    expect(result.code).toBe(1);
    expect(result.json.error.message).toContain('Not a folder');
  });

  it('adds a relative folder from the shell directory, and refuses overlapping folders without registering any', () => {
    const fresh = join(root, 'overlap-project');
    expect(selfguide(['init', fresh]).code).toBe(0);
    mkdirSync(join(root, 'overlap', 'sub'), { recursive: true });
    mkdirSync(join(root, 'beside'));
    const inRoot = (args: string[]) => {
      const result = spawnSync(process.execPath, [BIN, ...args, '--json'], { cwd: root, encoding: 'utf8' });
      return { code: result.status, json: JSON.parse(result.stdout) as { error?: { message: string } } };
    };
    expect(inRoot(['scan', '--project', fresh, 'overlap']).code).toBe(0);
    const inside = inRoot(['scan', '--project', fresh, 'beside', join('overlap', 'sub')]);
    expect(inside.code).toBe(1);
    expect(inside.json.error?.message).toContain(`inside the registered folder #1 ${realpathSync(join(root, 'overlap'))}`);
    const status = selfguideJson<{ folders: { path: string }[] }>(['status', '--project', fresh]);
    expect(status.json.folders.map((folder) => folder.path)).toEqual([realpathSync(join(root, 'overlap'))]);
  });

  it('runs the demo on the bundled sample: ingest, features, k = 10 clusters scored against the held-out classes, boxes, masks, a guided training, samples per cluster and the report', () => {
    // The whole loop with a short training (the default 400 steps take minutes; the steps are what is checked here).
    const demo = selfguideJson<{
      counts: { ok: number; broken: number };
      steps: { name: string; job: { state: string; message: string } }[];
      clusters: { run: { k: number; images: number }; clusters: { size: number }[]; scores: { images: number; nmi: number; ami: number; ari: number; purity: number } };
      samples: { cluster: number | null; state: string; files: string[] }[];
      report: string;
    }>(['demo', '--out', join(root, 'demo'), '--train-steps', '6'], 580_000);
    expect(demo.code).toBe(0);
    expect(demo.json.counts).toMatchObject({ ok: 1000, broken: 0 });
    expect(demo.json.steps.map((step) => [step.name, step.job.state])).toEqual([
      ['scan', 'done'],
      ['features', 'done'],
      ['cluster', 'done'],
      ['boxes', 'done'],
      ['masks', 'done'],
      ['train', 'done'],
    ]);
    const { run, clusters, scores } = demo.json.clusters;
    expect(run).toMatchObject({ k: 10, images: 1000 });
    expect(clusters.reduce((sum, cluster) => sum + cluster.size, 0)).toBe(1000);
    // Every sample image has a class; the bundled encoder is weak (docs/ssl.md: NMI ≈ 0.25) but far from chance.
    expect(scores.images).toBe(1000);
    expect(scores.nmi).toBeGreaterThan(0.15);
    expect(scores.purity).toBeGreaterThan(0.2);
    expect(demo.json.steps[1]?.job.message).toContain('1000 of 1000 images have features');
    expect(demo.json.steps[3]?.job.message).toMatch(/1000 boxes, 0 images failed/);
    expect(demo.json.steps[4]?.job.message).toMatch(/1000 segment maps, K = 8/);
    expect(demo.json.steps[5]?.job.message).toMatch(/diffusion model #1 .*step 6/);
    // One row of 8 guided samples per cluster, then an unguided row; every file a real 32 px PNG.
    expect(demo.json.samples.map((row) => row.cluster)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, null]);
    for (const row of demo.json.samples) {
      expect(row.state).toBe('done');
      expect(row.files).toHaveLength(8);
      for (const file of row.files) expect(pngSize(file)).toEqual([32, 32]);
    }
    const html = readFileSync(demo.json.report, 'utf8');
    for (const title of ['Self-labels: k-means clusters (k = 10)', 'LOST boxes', 'Segment masks (K = 8', 'Training: tiny preset', 'Guided samples']) expect(html).toContain(title);
    expect(html).toContain(`<dt>NMI</dt><dd>${demo.json.clusters.scores.nmi.toPrecision(4)}</dd>`);
    // 10 cluster rows, boxes, 2 mask rows, 2 preview grids, 11 sample rows: all embedded
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(10 + 1 + 2 + 2 + 11);
  }, 600_000);
});
