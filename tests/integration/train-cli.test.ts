// `selfguide train` as a user runs it: the environment check, usage errors, Ctrl-C during a real tiny
// training (exit 130, checkpoint written) and `--resume ID` continuing from that checkpoint.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/core/project/project.ts';
import type { Job } from '../../src/shared/schemas.ts';
import type { PythonEnvironment, TrainRun } from '../../src/shared/train.ts';
import { BIN, selfguide, selfguideJson, spawnSelfguide } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';
import { trainingProject } from '../support/train-project.ts';

const TINY = ['--steps', '5000', '--batch-size', '4', '--resolution', '16', '--workers', '0', '--threads', '1', '--log-every', '1', '--preview-every', '0'];

describe('selfguide train', () => {
  const root = tempDir();
  let project: Project;
  let dir: string;

  beforeAll(async () => {
    project = await trainingProject(root, 8);
    dir = project.root;
    project.close();
  });
  afterAll(() => undefined);

  it('--check reports the Python environment; a missing Python exits 1 with what to run', () => {
    const ready = selfguideJson<PythonEnvironment>(['train', '--check', '-p', dir]);
    expect(ready.code).toBe(0);
    expect(ready.json).toMatchObject({ ready: true, source: 'venv', trainer: true });

    const missing = spawnSync(process.execPath, [BIN, 'train', '--check', '-p', dir], {
      encoding: 'utf8',
      env: { ...process.env, SELFGUIDE_PYTHON: join(root, 'nowhere', 'python') },
    });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain('Not ready:');
    expect(missing.stdout).toContain(`${join(root, 'nowhere', 'python')} ($SELFGUIDE_PYTHON) does not exist`);
    expect(missing.stdout).toMatch(/→ Create the trainer's Python environment: .*pip install torch==2\.13\.0 -e /);
  });

  it('refuses unclear requests with a usage error', () => {
    expect(selfguide(['train', '-p', dir]).code).toBe(2);
    const bad = selfguide(['train', '-p', dir, '--level', 'pixels']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--level must be one of none, label, cluster, box, mask');
    expect(selfguide(['train', '-p', dir, '--level', 'none', '--resolution', '30']).stderr).toContain('--resolution must be a multiple of 4');
    const noClusters = selfguideJson<{ job: Job }>(['train', '-p', dir, '--level', 'cluster']);
    expect(noClusters.code).toBe(1);
    expect(JSON.stringify(noClusters.json)).toContain('compute clusters first');
  });

  it('stops cleanly on Ctrl-C (exit 130) and --resume continues from the checkpoint step', { timeout: 150_000 }, async () => {
    const child = spawnSelfguide(['train', '-p', dir, '--level', 'none', ...TINY]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const metrics = join(dir, 'runs', '1', 'metrics.jsonl');
    const loggedSteps = () => (existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').filter((line) => line.startsWith('{"step"')).length : 0);
    const deadline = Date.now() + 45_000;
    while (loggedSteps() < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loggedSteps()).toBeGreaterThanOrEqual(4);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('continue later with: selfguide train --resume 1');

    const list = selfguideJson<TrainRun[]>(['train', '--list', '-p', dir]);
    const stopped = list.json.find((run) => run.id === 1) as TrainRun;
    expect(stopped.state).toBe('cancelled');
    const at = stopped.checkpointStep as number;
    expect(at).toBeGreaterThanOrEqual(4);

    const resumed = selfguideJson<{ job: Job; run: TrainRun }>(['train', '-p', dir, '--resume', '1', '--steps', String(at + 3)]);
    expect(resumed.code).toBe(0);
    expect(resumed.json.run).toMatchObject({ id: 1, state: 'done', step: at + 3, checkpointStep: at + 3, modelDir: 'runs/1/model' });
    expect(readFileSync(join(dir, 'runs', '1', 'train.log'), 'utf8')).toContain(`at step ${at} (epoch`);
    expect(selfguide(['train', '-p', dir, '--resume', '1']).stderr).toContain('is done');
  });

  it('a killed app leaves no trainer behind: it stops itself with a checkpoint', { timeout: 150_000 }, async () => {
    const child = spawnSelfguide(['train', '-p', dir, '--level', 'none', ...TINY]);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const runDir = join(dir, 'runs', '2');
    const metrics = join(runDir, 'metrics.jsonl');
    const deadline = Date.now() + 45_000;
    while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"step"')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const trainerRunning = () => spawnSync('pgrep', ['-f', join(runDir, 'trainer')]).status === 0;
    expect(trainerRunning()).toBe(true);
    child.kill('SIGKILL'); // no chance to stop the trainer itself
    await exited;
    const gone = Date.now() + 60_000;
    while (trainerRunning() && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(trainerRunning()).toBe(false);
    // the checkpoint every 5,000 steps is far away: a step checkpoint means it stopped cleanly, not killed
    expect(readdirSync(join(runDir, 'trainer', 'checkpoints')).filter((file) => /^step_\d+\.pt$/.test(file))).toHaveLength(1);
  });
});
