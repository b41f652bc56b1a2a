// `selfguide evaluate` as a user runs it: usage errors, an unguided tiny run evaluated in the active encoder's
// features (JSON result and the human table), and `--list`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/shared/evaluations.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { TINY_VIT } from '../support/models.ts';
import { selfguide, selfguideJson } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';
import { trainingProject } from '../support/train-project.ts';

describe('selfguide evaluate', () => {
  const root = tempDir();
  let dir: string;

  beforeAll(async () => {
    const project = await trainingProject(root, 12);
    dir = project.root;
    project.close();
    expect(selfguide(['models', 'import', TINY_VIT, '--activate', '-p', dir]).code).toBe(0);
    const trained = selfguide(['train', '-p', dir, '--level', 'none', '--steps', '3', '--batch-size', '4', '--resolution', '16',
      '--threads', '1', '--val-share', '0.5', '--preview-every', '0', '--quiet']); // prettier-ignore
    expect(trained.code, trained.stderr).toBe(0);
  }, 120_000);
  afterAll(() => undefined);

  it('refuses unclear requests with a usage error', () => {
    for (const args of [[], ['--run', '1', '--list', '1'], ['--run', '1', '--samples', '1'], ['--run', '1', '--w', 'x']]) {
      const result = selfguide(['evaluate', '-p', dir, ...args]);
      expect(result.code, args.join(' ')).toBe(2);
    }
    const unknown = selfguide(['evaluate', '-p', dir, '--run', '9']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No training run #9');
  });

  it('evaluates the run in the active encoder features and lists it', { timeout: 90_000 }, () => {
    const { code, json, stderr } = selfguideJson<{ job: Job; evaluation: Evaluation }>(['evaluate', '-p', dir, '--run', '1', '--samples', '6', '--steps', '2', '--threads', '1', '--json']);
    expect(code, stderr).toBe(0);
    expect(json.job.state).toBe('done');
    const result = json.evaluation.result!;
    expect(json.evaluation).toMatchObject({ id: 1, runId: 1, state: 'done', encoderId: 'vit-tiny' });
    expect(result.guidance).toEqual({ mode: 'none', w: 2, form: 'imagen' });
    expect(result.samples).toEqual({ count: 6, per_condition: 6, conditions: 1 });
    expect(result.reference).toMatchObject({ count: 6, what: 'held-out images' });
    expect(result.consistency).toBeNull(); // no clusters asked for
    expect(result.conditions).toEqual([{ name: 'unconditional', index: null, count: 6, grid: 'grids/000.png' }]);

    const listed = selfguide(['evaluate', '-p', dir, '--list', '1']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('Evaluation #1 of run #1: done');
    expect(listed.stdout).toContain('2 DDIM steps · w = 2 (imagen) · seed 0 · EMA weights at step 3 · 6 per condition × 1');
    expect(listed.stdout).toMatch(/FD_enc ↓\s+\d+\.\d\d\s+Fréchet distance in vit-tiny cls features \(\d+-d\), not FID; 6 samples vs 6 held-out images/);
    expect(listed.stdout).toContain(`Grids: runs/1/eval/1/grids/000.png`);
  });
});
