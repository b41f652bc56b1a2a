// `npm run bench:sample`: the app's sampler (TypeScript over ONNX Runtime) against the trainer's PyTorch
// eager sampler, and DPM-Solver++(2M) against DDIM in quality per step.
//
// 1. Speed: images/s of guided DDIM, 50 steps, w = 2 (one batched call of 2B per step), batch 8, for the
//    tiny and small presets at 32×32 grey (k = 10), the same exported model in both. Rounds interleave
//    ORT and PyTorch (bench/sample/torch_ddim.py, spawned here) and each side keeps its best round, so
//    the load of a shared machine hits both alike.
// 2. Quality: a tiny 16×16 class-conditional model trained here on Fashion-MNIST (--train-steps), N
//    samples per sampler configuration from the same noise and class-balanced conditions (w = 2); the
//    Fréchet distance to the test set in a small CNN classifier's 64-d feature space (bench/sample/fd.py,
//    not FID), and the RMSE to the DDIM-250 samples of the same noise.
//
//   npm run bench:sample -- [--work DIR] [--n 128] [--train-steps 1500] [--rounds 2] [--threads 1] [--skip-speed] [--skip-quality]
// The work folder keeps the trained model and classifier: a second run reuses them.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { loadDiffusionModel, type DiffusionModel } from '../../src/core/sample/diffusion-model.ts';
import { generate, type GenerateOptions } from '../../src/core/sample/generate.ts';
import { gaussianNoise } from '../../src/core/sample/noise.ts';
import { writeNpy } from '../../tests/support/npy.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    work: { type: 'string', default: '/tmp/selfguide-bench-sample' },
    n: { type: 'string', default: '128' },
    threads: { type: 'string', default: '1' },
    'train-steps': { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '2' },
    'skip-speed': { type: 'boolean', default: false },
    'skip-quality': { type: 'boolean', default: false },
  },
});
const WORK = values.work;
mkdirSync(WORK, { recursive: true });
// Both sides get the same number of threads: 1 by default, which a shared machine's load hurts least
// (oversubscribed OpenMP threads spin: bench/RESULTS.md, "train").
const threads = Number(values.threads);

async function python(args: string[]): Promise<string> {
  const { stdout } = await run(PYTHON, args, { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env } });
  return stdout;
}

/** Trains (unless already there) and exports a Fashion-MNIST label model; returns { run, export }. */
async function fashionModel(name: string, preset: string, resolution: number, steps: number, batch: number): Promise<{ run: string; exported: string }> {
  const dir = join(WORK, name);
  const [runDir, exported] = [join(dir, 'run'), join(dir, 'export')];
  if (!existsSync(join(exported, 'model.onnx'))) {
    const started = Date.now();
    await python(['-m', 'selfguide_trainer', 'train', '--fmnist', '--fmnist-fit', 'resize', '--resolution', String(resolution), '--channels', '1',
      '--preset', preset, '--cond', 'label', '--batch', String(batch), '--steps', String(steps), '--threads', String(threads), '--workers', '0',
      '--val-images', '16', '--preview-every', '0', '--checkpoint-every', '500', '--out', runDir, ...(existsSync(runDir) ? ['--resume'] : [])]);
    await python(['-m', 'selfguide_trainer', 'export', '--run', runDir, '--out', exported]);
    console.error(`trained ${name} (${preset}, ${resolution}px, ${steps} steps of ${batch}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return { run: runDir, exported };
}

function balancedVector(count: number, k: number): Float32Array {
  const vector = new Float32Array(count * k);
  for (let i = 0; i < count; i++) vector[i * k + (i % k)] = 1;
  return vector;
}

async function ortImagesPerSecond(model: DiffusionModel, batch: number, steps: number): Promise<number> {
  const options: GenerateOptions = { count: batch, steps, w: 2, seed: 0, condition: { vector: balancedVector(batch, model.spec.conditioning.vector_dim) } };
  const start = performance.now();
  await generate(model, options);
  return batch / ((performance.now() - start) / 1000);
}

const PARAMETERS: Record<string, string> = { tiny: '0.8 M', small: '7 M' }; // trainer/docs/training.md, k = 10

async function speed(rounds: number): Promise<string[]> {
  const lines = ['| preset | parameters | ONNX Runtime (TS sampler) | PyTorch eager (ddim_sample) | ratio |', '|---|---|---|---|---|'];
  for (const preset of ['tiny', 'small']) {
    const { run: runDir, exported } = await fashionModel(`speed-${preset}`, preset, 32, 1, 2);
    const model = await loadDiffusionModel(exported, { threads });
    await generate(model, { count: 8, steps: 2, w: 2, condition: { vector: balancedVector(8, 10) } }); // warm-up
    const [ort, torch] = [[] as number[], [] as number[]];
    for (let round = 0; round < rounds; round++) {
      ort.push(await ortImagesPerSecond(model, 8, 50));
      const result = JSON.parse(await python(['bench/sample/torch_ddim.py', '--run', runDir, '--batch', '8', '--steps', '50', '--w', '2', '--threads', String(threads)])) as { images_per_s: number };
      torch.push(result.images_per_s);
      console.error(`${preset} round ${round + 1}: ORT ${ort.at(-1)!.toFixed(2)} img/s, PyTorch ${torch.at(-1)!.toFixed(2)} img/s (load ${loadavg()[0]!.toFixed(1)})`);
    }
    await model.close();
    const [bestOrt, bestTorch] = [Math.max(...ort), Math.max(...torch)];
    lines.push(`| ${preset} | ${PARAMETERS[preset]} | ${bestOrt.toFixed(2)} img/s (${ort.map((v) => v.toFixed(2)).join(', ')}) | ${bestTorch.toFixed(2)} img/s (${torch.map((v) => v.toFixed(2)).join(', ')}) | **${(bestOrt / bestTorch).toFixed(2)}** |`);
  }
  return lines;
}

const CONFIGS: { name: string; sampler: 'ddim' | 'dpmpp-2m'; spacing: 'uniform' | 'logsnr'; steps: number }[] = [
  { name: 'ddim-250', sampler: 'ddim', spacing: 'uniform', steps: 250 },
  ...[20, 50].map((steps) => ({ name: `ddim-${steps}`, sampler: 'ddim' as const, spacing: 'uniform' as const, steps })),
  ...[10, 20].map((steps) => ({ name: `dpmpp-uniform-${steps}`, sampler: 'dpmpp-2m' as const, spacing: 'uniform' as const, steps })),
  ...[5, 10, 15, 20].map((steps) => ({ name: `dpmpp-logsnr-${steps}`, sampler: 'dpmpp-2m' as const, spacing: 'logsnr' as const, steps })),
];

async function quality(n: number, trainSteps: number): Promise<string[]> {
  const { exported } = await fashionModel(`quality-tiny16-${trainSteps}`, 'tiny', 16, trainSteps, 32);
  const model = await loadDiffusionModel(exported, { threads });
  const noise = gaussianNoise(2026, n * model.imageSize);
  const condition = { vector: balancedVector(n, 10) };
  const files: string[] = [];
  const seconds: Record<string, number> = {};
  for (const config of CONFIGS) {
    const file = join(WORK, `quality-tiny16-${trainSteps}`, `${config.name}-n${n}.npy`);
    if (!existsSync(file)) {
      const start = performance.now();
      const images = await generate(model, { count: n, steps: config.steps, w: 2, sampler: config.sampler, spacing: config.spacing, noise, condition });
      seconds[config.name] = (performance.now() - start) / 1000;
      writeNpy(file, images, [n, 1, 16, 16]);
      console.error(`${config.name}: ${seconds[config.name]!.toFixed(0)} s`);
    }
    files.push(`${config.name}=${file}`);
  }
  await model.close();
  const result = JSON.parse(await python(['bench/sample/fd.py', '--work', WORK, '--resolution', '16', '--reference', 'ddim-250', ...files])) as {
    classifier_test_accuracy: number;
    fd_floor_real_subset: number;
    fd: Record<string, number>;
    rmse_to_reference: Record<string, number>;
  };
  const lines = [
    `Classifier (feature space) test accuracy ${(100 * result.classifier_test_accuracy).toFixed(1)} %; FD of ${n} real test images vs the test set (finite-N floor): ${result.fd_floor_real_subset.toFixed(2)}.`,
    '',
    '| sampler | spacing | steps | FD vs test set | RMSE to DDIM-250 (same noise) |',
    '|---|---|---|---|---|',
    ...CONFIGS.map((c) => `| ${c.sampler === 'ddim' ? 'DDIM' : 'DPM-Solver++(2M)'} | ${c.spacing === 'uniform' ? 'LDM uniform' : 'log-SNR'} | ${c.steps} | ${result.fd[c.name]!.toFixed(2)} | ${result.rmse_to_reference[c.name]!.toFixed(4)} |`),
  ];
  return lines;
}

const header = `${new Date().toISOString().slice(0, 10)}, ${threads} thread(s) each side on ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average at start ${loadavg()[0]!.toFixed(1)}`;
const rounds = Number(values.rounds);
const report = [header, ''];
if (!values['skip-speed']) report.push(...(await speed(rounds)), '');
if (!values['skip-quality']) report.push(...(await quality(Number(values.n), Number(values['train-steps']))));
const text = report.join('\n');
writeFileSync(join(WORK, 'report.md'), `${text}\n`);
console.log(text);
