// Killed processes lose nothing that was committed, and an interrupted job resumes where it stopped.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { addFolder } from '../../src/core/library/folders.ts';
import { createProject, openProject } from '../../src/core/project/project.ts';
import { pixels } from '../support/images.ts';
import { rows } from '../support/scan.ts';
import { selfguideJson, spawnSelfguide } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const IMAGES = 400;

async function writeJpegs(dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) await pixels(160, 120, i).jpeg().toFile(join(dir, `p${String(i).padStart(4, '0')}.jpg`));
}

function waitUntil(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out waiting'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('crash safety', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  beforeAll(() => writeJpegs(photos, IMAGES), 120_000);

  /** A project over the photos with its scan job submitted to an in-process runner. */
  function startScan(name: string) {
    const project = createProject(join(root, name));
    addFolder(project.db, photos);
    const runner = new JobRunner(project);
    return { project, runner, job: runner.submit('scan', { folderIds: [] }) };
  }

  it('keeps committed rows and drops the transaction a SIGKILL interrupted', async () => {
    const dir = join(root, 'store-kill');
    createProject(dir).close();
    const writer = fileURLToPath(new URL('../support/write-then-hang.ts', import.meta.url));
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (data: Buffer) => data.toString().includes('mid-write') && resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const project = openProject(dir);
    expect(project.db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    const folders = project.db.prepare('SELECT path FROM folders ORDER BY id').all() as { path: string }[];
    expect(folders.map((folder) => folder.path)).toEqual(['/committed/0', '/committed/1', '/committed/2']);
    project.close();
  });

  it('resumes a scan whose process was killed, without redoing committed work', async () => {
    const dir = join(root, 'scan-kill');
    selfguideJson(['init', dir]);
    const child = spawnSelfguide(['scan', '--project', dir, photos, '--quiet']);
    const db = new DatabaseSync(join(dir, 'project.sqlite'));
    const committed = () => (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
    await waitUntil(() => committed() >= 50);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const before = committed();
    expect(before).toBeLessThan(IMAGES);
    const firstScans = new Map(
      (db.prepare('SELECT rel_path, scanned_at FROM images').all() as { rel_path: string; scanned_at: string }[]).map((row) => [row.rel_path, row.scanned_at]),
    );
    db.close();

    const status = selfguideJson<{ jobs: { id: number; state: string }[] }>(['status', '--project', dir]);
    expect(status.json.jobs[0]?.state).toBe('interrupted');
    const resumed = selfguideJson<{ job: { id: number; state: string; total: number }; counts: { ok: number } }>(['scan', '--project', dir]);
    expect(resumed.code).toBe(0);
    expect(resumed.json.job.id).toBe(status.json.jobs[0]?.id);
    expect(resumed.json.job.state).toBe('done');
    expect(resumed.json.job.total).toBe(IMAGES - before);
    expect(resumed.json.counts.ok).toBe(IMAGES);
    const project = openProject(dir);
    for (const [relPath, row] of rows(project)) {
      if (firstScans.has(relPath)) expect(row.scanned_at, relPath).toBe(firstScans.get(relPath));
    }
    project.close();
  });

  it('cancels a running scan and resumes it to the end', async () => {
    const { project, runner, job } = startScan('cancel');
    await waitUntil(() => rows(project).size > 0);
    runner.cancel(job.id);
    const cancelled = await runner.waitFor(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.done).toBeLessThan(IMAGES);
    runner.resume(job.id);
    const finished = await runner.waitFor(job.id);
    expect(finished.state).toBe('done');
    expect(rows(project).size).toBe(IMAGES);
    project.close();
  });

  it('survives a native crash of a job: only its process dies, and the job restarts by itself from what it saved', async () => {
    const { project, runner, job } = startScan('native-crash');
    const restarts: string[] = [];
    runner.events.on('event', (event) => {
      if (event.type === 'job' && event.job.state === 'queued' && event.job.message) restarts.push(event.job.message);
    });
    await waitUntil(() => rows(project).size > 0);
    const pid = runner.processOf(job.id) as number;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid); // the job runs in a process of its own
    process.kill(pid, 'SIGSEGV'); // what a segfault in ONNX Runtime or a decoder does to its process

    const finished = await runner.waitFor(job.id);
    expect(restarts).toEqual(['restarted after its process crashed (SIGSEGV); it goes on from what it saved']);
    expect(finished.state).toBe('done');
    expect(finished.total).toBeLessThan(IMAGES); // the restart scanned only what was not committed
    expect(rows(project).size).toBe(IMAGES);
    project.close();
  });

  it('fails a job whose process keeps crashing after two restarts, with the reason; a person can resume it', async () => {
    const { project, runner, job } = startScan('native-crash-thrice');
    let killed: number | undefined;
    for (let crash = 0; crash < 3; crash++) {
      await waitUntil(() => (runner.processOf(job.id) ?? killed) !== killed);
      killed = runner.processOf(job.id) as number;
      process.kill(killed, 'SIGSEGV');
    }
    const crashed = await runner.waitFor(job.id);
    expect(crashed.state).toBe('failed');
    expect(crashed.error).toContain("the job's process crashed (SIGSEGV)");

    runner.resume(job.id);
    expect((await runner.waitFor(job.id)).state).toBe('done');
    expect(rows(project).size).toBe(IMAGES);
    project.close();
  });
});
