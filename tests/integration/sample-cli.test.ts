// `selfguide sample` as a user runs it: a model folder registered on first use, PNGs copied to --out
// with their parameters, progress with rate and ETA, Ctrl-C cancelling with exit code 130, usage errors
// (exit code 2, --out checked before any work), and a job that fails loading the model saying why.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
    [['--cluster', '10'], /cluster 10 is out of range: model ".*" knows 10 \(0 … 9\)/],
    [['--boxes', '[{"x0":0,"y0":0,"x1":1,"y1":1,"cluster":0}]'], /"label" conditioning; it takes a condition of kind none or cluster, not "boxes"/],
    [['--mask', '/nonexistent.png'], /--mask \/nonexistent\.png is not a file; give a PNG of segment ids/],
    [['--w', '0x10'], /--w must be a number from -10 to 50, got "0x10"/],
    [['--seed', '0x10'], /--seed must be an integer from 0 to 4294967295 or "random", got "0x10"/],
    [['--n', '1e1'], /--n must be an integer from 1 to 64, got "1e1"/],
    [['--steps', '-5'], /--steps must be an integer from 1 to 999, got "-5"/],
    [['--steps=-5'], /--steps must be an integer from 1 to 999, got "-5"/],
    [['--seed', '-1'], /--seed must be an integer from 0 to 4294967295/],
  ])('refuses %j with exit code 2 and says why', (extra, message) => {
    const { code, stderr } = selfguide(['sample', '-p', project, '--model', '1', ...extra]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('refuses a folder that is not a model (exit 1) and an unknown id (exit 2)', () => {
    const notModel = selfguide(['sample', '-p', project, '--model', root]);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toMatch(/model\.json is missing/);
    const unknown = selfguide(['sample', '-p', project, '--model', '99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No diffusion model #99/);
  });

  it('refuses an --out it could not copy into before sampling anything (exit 2), saying what to do', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const generations = () => (existsSync(join(project, 'generations')) ? readdirSync(join(project, 'generations')).length : 0);
    const before = generations();
    const refusals: [string, RegExp][] = [
      [file, /--out: .*a-file is a file, not a folder; choose a folder to copy the images into/],
      [join(file, 'sub'), /--out: .*a-file is a file, so .*sub cannot be made; choose another folder/],
    ];
    // /proc takes no new entries (Node's recursive mkdir used to spin there forever).
    if (existsSync('/proc/self')) refusals.push(['/proc/selfguide-out', /--out: Cannot write to \/proc .*choose a folder you can write to/]);
    for (const [out, message] of refusals) {
      const { code, stderr } = selfguide(['sample', '-p', project, '--model', '1', '--n', '1', '--steps', '2', '--out', out], 30_000);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(message);
    }
    const json = selfguideJson<{ error: { kind: string; message: string } }>(['sample', '-p', project, '--model', '1', '--n', '1', '--steps', '2', '--out', file]);
    expect(json.code).toBe(2);
    expect(json.json.error).toMatchObject({ kind: 'usage', message: expect.stringMatching(/is a file, not a folder/) });
    expect(generations()).toBe(before);
  });

  it('a job that fails loading the model records the reason on the generation, and the CLI prints it', () => {
    const broken = join(root, 'broken-project');
    expect(selfguide(['init', broken]).code).toBe(0);
    expect(selfguide(['sample', '-p', broken, '--model', model, '--n', '1', '--steps', '1']).code).toBe(0);
    rmSync(join(broken, 'diffusion-models', '1', 'model.onnx'));
    const human = selfguide(['sample', '-p', broken, '--model', '1', '--n', '1', '--steps', '1']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^Generation #2 failed: 0\/1 image\(s\)/);
    expect(human.stdout).toMatch(/\nError: .*model\.onnx is missing/);
    const { code, json } = selfguideJson<{ generation: { state: string; error: string | null } }>(['sample', '-p', broken, '--model', '1', '--n', '1', '--steps', '1']);
    expect(code).toBe(1);
    expect(json.generation.state).toBe('failed');
    expect(json.generation.error).toMatch(/model\.onnx is missing/);
  }, 60_000);

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
    // Running the command again would start a new generation: the hint says what really happens.
    expect(stderr).toMatch(/Cancelling… \(generation #\d+ keeps the images made so far; the app's Jobs view can resume it, running this command again starts a new one\)/);
    expect(stderr).not.toMatch(/run the same command again to resume/);
    const generations = readdirSync(join(project, 'generations')).map(Number).sort((a, b) => a - b);
    expect(existsSync(join(project, 'generations', String(generations.at(-1)), '000.png'))).toBe(false);
    const { stdout } = selfguide(['status', '-p', project]);
    expect(stdout).toMatch(/cancelled/);
  }, 120_000);
});
