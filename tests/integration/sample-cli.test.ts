// `selfguide sample` as a user runs it: a model folder registered on first use, PNGs copied to --out
// with their parameters, progress with rate and ETA, Ctrl-C cancelling with exit code 130, usage errors.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readParameters } from '../../src/core/sample/generation-png.ts';
import { selfguide, selfguideJson, spawnSelfguide } from '../support/cli.ts';
import { exportTinyDiffusionModels } from '../support/diffusion-models.ts';
import { tempDir } from '../support/temp.ts';

describe('selfguide sample', () => {
  const root = tempDir('selfguide-sample-cli-');
  const project = join(root, 'project');
  let model: string;

  beforeAll(async () => {
    ({ label: model } = await exportTinyDiffusionModels(join(root, 'models'), ['label']));
    expect(selfguide(['init', project]).code).toBe(0);
  }, 120_000);

  it('samples from a model folder by cluster name, copies the PNGs to --out and registers the model once', () => {
    const out = join(root, 'out');
    const args = ['sample', '-p', project, '--model', model, '--cluster', 'ankle boot', '--n', '2', '--steps', '5', '--w', '3', '--seed', '11', '--out', out];
    const { code, json } = selfguideJson<{ files: string[]; generation: { id: number } }>(args);
    expect(code).toBe(0);
    expect(json.files).toEqual(readdirSync(out).sort().map((name) => join(out, name)));
    const parameters = readParameters(readFileSync(json.files[1]!));
    expect(parameters).toMatchObject({ seed: 11, w: 3, steps: 5, sampler: 'ddim', count: 2, index: 1, condition: { kind: 'cluster', cluster: 9 } });
    const again = selfguideJson<{ generation: { modelId: number } }>([...args.slice(0, -2), '--sampler', 'dpm-solver++']);
    expect(again.code).toBe(0);
    const listed = selfguideJson<{ models: unknown[] }>(['sample', '-p', project, '--list-models']);
    expect(listed.json.models).toHaveLength(1);
    expect(again.json.generation.modelId).toBe(1);
  }, 60_000);

  it.each([
    [['--cluster', 'sneakers'], /no cluster named "sneakers"; its names: T-shirt\/top, Trouser/],
    [['--sampler', 'euler'], /--sampler must be ddim or dpm-solver\+\+/],
    [['--n', '0'], /--n must be an integer from 1 to 64/],
    [['--boxes', '[{"x0": 0}]'], /--boxes: 0: y0/],
    [['--cluster', '1', '--boxes', '[{"x0":0,"y0":0,"x1":1,"y1":1,"cluster":0}]'], /give one of --cluster, --boxes, --mask or --mask-of/],
  ])('refuses %j with exit code 2 and says why', (extra, message) => {
    const { code, stderr } = selfguide(['sample', '-p', project, '--model', '1', ...extra]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('refuses a folder that is not a model (exit 1) and an unknown id', () => {
    const notModel = selfguide(['sample', '-p', project, '--model', root]);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toMatch(/model\.json is missing/);
    expect(selfguide(['sample', '-p', project, '--model', '99']).stderr).toMatch(/No diffusion model #99/);
  });

  it('shows progress with rate and ETA, and Ctrl-C cancels between steps with exit code 130', async () => {
    const child = spawnSelfguide(['sample', '-p', project, '--model', '1', '--n', '8', '--steps', '999', '--cluster', '0']);
    let stderr = '';
    const progressed = new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/sampling 8 image\(s\) \(cpu\) \d+\/999 .*\/s · ETA/.test(stderr)) resolve();
      });
    });
    await progressed;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/Cancelling/);
    const generations = readdirSync(join(project, 'generations')).map(Number).sort((a, b) => a - b);
    expect(existsSync(join(project, 'generations', String(generations.at(-1)), '000.png'))).toBe(false);
    const { stdout } = selfguide(['status', '-p', project]);
    expect(stdout).toMatch(/cancelled/);
  }, 120_000);
});
