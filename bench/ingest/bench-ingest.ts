// Benchmark of ingest (issue 2): scan + validate + thumbnail of N generated 640×480 JPEGs, as
// images/s and as a ratio to sharp's decode+resize alone over the same files, measured in the same
// process (the machines are noisy, so only ratios are compared); rescan time; peak memory.
// Usage: npm run bench:ingest [-- --images 5000 --rounds 2]
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { addFolder } from '../../src/core/library/folders.ts';
import { createProject } from '../../src/core/project/project.ts';
import { silenceSqliteWarning } from '../../src/core/store/quiet-sqlite-warning.ts';

silenceSqliteWarning();
const { values } = parseArgs({ options: { images: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '2' } } });
const COUNT = Number(values.images);
const ROUNDS = Number(values.rounds);
const DATA = new URL(`../.data/jpeg-640x480-${COUNT}/`, import.meta.url).pathname;
const WORK = new URL('../.data/work/', import.meta.url).pathname;
const CONCURRENCY = availableParallelism() + 2; // the same number of files in flight as the scan

async function makeImages(): Promise<string[]> {
  if (!existsSync(DATA) || readdirSync(DATA).length < COUNT) {
    mkdirSync(DATA, { recursive: true });
    process.stderr.write(`generating ${COUNT} JPEGs in ${DATA} …\n`);
    const noise = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .raw()
      .toBuffer();
    for (let i = 0; i < COUNT; i++) {
      // A gradient per image over shared noise: photo-like entropy, distinct files (no duplicates).
      await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } })
        .linear([1, 0.8, 0.6], [i % 97, (i * 7) % 89, (i * 13) % 83])
        .jpeg({ quality: 85 })
        .toFile(join(DATA, `img-${String(i).padStart(6, '0')}.jpg`));
    }
  }
  return readdirSync(DATA).sort().slice(0, COUNT).map((name) => join(DATA, name));
}

async function sharpAlone(files: string[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      await sharp(files[next++] as string).resize(256, 256, { fit: 'inside' }).raw().toBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return (performance.now() - started) / 1000;
}

async function scanOnce(projectDir: string, folder: string): Promise<{ seconds: number; state: string; total: number | null }> {
  const project = createProject(projectDir);
  addFolder(project.db, folder);
  const runner = new JobRunner(project);
  const started = performance.now();
  const job = await runner.waitFor(runner.submit('scan', { folderIds: [] }).id);
  const seconds = (performance.now() - started) / 1000;
  project.close();
  return { seconds, state: job.state, total: job.total };
}

const files = await makeImages();
const best = { sharp: Infinity, scan: Infinity, rescan: Infinity };
for (let round = 1; round <= ROUNDS; round++) {
  best.sharp = Math.min(best.sharp, await sharpAlone(files));
  rmSync(WORK, { recursive: true, force: true });
  const scan = await scanOnce(WORK, DATA);
  if (scan.state !== 'done' || scan.total !== COUNT) throw new Error(`scan ended ${scan.state} with total ${scan.total}`);
  best.scan = Math.min(best.scan, scan.seconds);
  const rescan = await scanOnce(WORK, DATA);
  if (rescan.total !== 0) throw new Error(`rescan decoded ${rescan.total} files of an unchanged folder`);
  best.rescan = Math.min(best.rescan, rescan.seconds);
  process.stderr.write(`round ${round}: sharp ${(COUNT / best.sharp).toFixed(0)}/s, scan ${(COUNT / scan.seconds).toFixed(0)}/s, rescan ${rescan.seconds.toFixed(3)} s\n`);
}
const peakMiB = process.resourceUsage().maxRSS / 1024;
const rows = [
  `| images | ${COUNT} × 640×480 JPEG | cores | ${availableParallelism()} |`,
  '|---|---|---|---|',
  `| sharp decode+resize alone | ${(COUNT / best.sharp).toFixed(0)} img/s | scan+validate+hash+thumbnail+store | ${(COUNT / best.scan).toFixed(0)} img/s |`,
  `| ratio scan / sharp alone | **${(best.sharp / best.scan).toFixed(2)}** (goal ≥ 0.8) | rescan unchanged | **${best.rescan.toFixed(3)} s** (goal < 1 s) |`,
  `| peak RSS (process, incl. worker) | ${peakMiB.toFixed(0)} MiB | best of | ${ROUNDS} rounds |`,
];
process.stdout.write(`${rows.join('\n')}\n`);
rmSync(WORK, { recursive: true, force: true });
