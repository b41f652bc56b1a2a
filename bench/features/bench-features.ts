// Benchmark of feature extraction (issue 3): the real features job (its own process, decode + Pillow-
// exact resize + normalize overlapped with inference, float16 rows + SQLite index) on N JPEGs with a
// ViT-S/16-shaped model (random weights), against ONNX Runtime alone on pre-decoded tensors of the
// same model and batch size, and the achieved GFLOP/s against a large ORT MatMul — all in one run.
// Usage: npm run bench:features [-- --images 2000 --batch 16 --decode exact|fast|both]
// (--decode both: one job with each decoding, the second computing every image again; ORT alone around each)
// Needs bench/.data/jpeg-640x480-5000 (npm run bench:ingest makes it) and the trainer's venv (.venv).
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizationTable, preprocessInto } from '../../src/core/features/preprocess.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { addFolder } from '../../src/core/library/folders.ts';
import { chooseExecutionProvider } from '../../src/core/models/execution-provider.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { openSession } from '../../src/core/models/onnx-session.ts';
import { ort } from '../../src/core/models/runtime.ts';
import { createProject } from '../../src/core/project/project.ts';
import { silenceSqliteWarning } from '../../src/core/store/quiet-sqlite-warning.ts';

silenceSqliteWarning();
const { values } = parseArgs({
  options: { images: { type: 'string', default: '2000' }, batch: { type: 'string', default: '16' }, decode: { type: 'string', default: 'exact' } },
});
const DECODES = ({ exact: ['exact'], fast: ['fast'], both: ['exact', 'fast'] } as const)[values.decode as 'exact' | 'fast' | 'both'];
if (!DECODES) throw new Error('--decode must be exact, fast or both');
const COUNT = Number(values.images);
const BATCH = Number(values.batch);
const DATA = new URL('../.data/', import.meta.url).pathname;
const SOURCE = join(DATA, 'jpeg-640x480-5000');
const HERE = join(DATA, 'features');
const MODEL = join(HERE, 'vit-s16-random.onnx');
const MATMUL = join(HERE, 'matmul-2048.onnx');
const PYTHON = new URL('../../.venv/bin/python', import.meta.url).pathname;
const MATMUL_N = 2048;

function prepareFiles(): string {
  if (!existsSync(MODEL)) {
    process.stderr.write('exporting a random-weight vit_s16 with the trainer …\n');
    execFileSync(PYTHON, ['-m', 'selfguide_trainer', 'export-vit', '--random', '--arch', 'vit_s16', '--out', MODEL], { stdio: 'inherit' });
  }
  if (!existsSync(MATMUL)) {
    const script = `import onnx; from onnx import helper as h, TensorProto as T
g = h.make_graph([h.make_node('MatMul', ['a', 'b'], ['c'])], 'mm', [h.make_tensor_value_info('a', T.FLOAT, [${MATMUL_N}, ${MATMUL_N}]),
  h.make_tensor_value_info('b', T.FLOAT, [${MATMUL_N}, ${MATMUL_N}])], [h.make_tensor_value_info('c', T.FLOAT, [${MATMUL_N}, ${MATMUL_N}])])
m = h.make_model(g, opset_imports=[h.make_opsetid('', 13)]); m.ir_version = 7; onnx.save(m, '${MATMUL}')`;
    execFileSync(PYTHON, ['-c', script], { stdio: 'inherit' });
  }
  if (!existsSync(SOURCE)) throw new Error(`${SOURCE} is missing: run npm run bench:ingest once to generate it`);
  const folder = join(HERE, `images-${COUNT}`);
  if (!existsSync(folder) || readdirSync(folder).length !== COUNT) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    for (const name of readdirSync(SOURCE).sort().slice(0, COUNT)) linkSync(join(SOURCE, name), join(folder, name));
  }
  return folder;
}

/** Multiply-adds of one ViT image: patch embedding, then per block QKV, attention, projection, MLP. */
function vitFlops(sidecar: { embed_dim: number; depth: number; patch_size: number; input_size: number }): number {
  const d = sidecar.embed_dim;
  const patches = (sidecar.input_size / sidecar.patch_size) ** 2;
  const tokens = patches + 1;
  const embed = patches * 3 * sidecar.patch_size ** 2 * d;
  const block = tokens * d * d * (3 + 1 + 8) + 2 * tokens * tokens * d;
  return 2 * (embed + sidecar.depth * block);
}

async function ortAlone(provider: string, files: string[], pre: { width: number; height: number }): Promise<number> {
  const session = await openSession(MODEL, provider);
  const preprocessing = JSON.parse(readFileSync(MODEL.replace(/\.onnx$/, '.json'), 'utf8')).preprocessing;
  const full = { width: pre.width, height: pre.height, scale: preprocessing.scale, mean: preprocessing.mean, std: preprocessing.std };
  const table = normalizationTable(full);
  const size = 3 * pre.width * pre.height;
  // Four distinct pre-decoded batches, cycled: the same tensors the job would feed, without decoding.
  const batches: Float32Array[] = [];
  for (let b = 0; b < 4; b++) {
    const tensor = new Float32Array(BATCH * size);
    for (let i = 0; i < BATCH; i++) await preprocessInto(await readFile(files[b * BATCH + i] as string), full, table, 1e9, tensor, i * size);
    batches.push(tensor);
  }
  // Inference-only throughput is steady: 32 batches measure it as well as all of them would.
  const runs = Math.min(Math.ceil(COUNT / BATCH), 32);
  await session.run({ pixels: new ort.Tensor('float32', batches[0] as Float32Array, [BATCH, 3, pre.height, pre.width]) }, ['cls']);
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    await session.run({ pixels: new ort.Tensor('float32', batches[r % 4] as Float32Array, [BATCH, 3, pre.height, pre.width]) }, ['cls']);
  }
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return (runs * BATCH) / seconds;
}

async function matmulCeiling(provider: string): Promise<number> {
  const session = await openSession(MATMUL, provider);
  const a = new ort.Tensor('float32', Float32Array.from({ length: MATMUL_N * MATMUL_N }, (_, i) => (i % 13) / 13), [MATMUL_N, MATMUL_N]);
  await session.run({ a, b: a });
  const runs = 8;
  const started = performance.now();
  for (let r = 0; r < runs; r++) await session.run({ a, b: a });
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return (runs * 2 * MATMUL_N ** 3) / seconds / 1e9;
}

const folder = prepareFiles();
const work = join(HERE, 'project');
rmSync(work, { recursive: true, force: true });
const project = createProject(work);
addFolder(project.db, folder);
const runner = new JobRunner(project);
const scan = await runner.waitFor(runner.submit('scan', { folderIds: [] }).id);
if (scan.state !== 'done') throw new Error(`scan ${scan.state}: ${scan.error}`);
const model = await importModel(project, { file: MODEL, id: 'vit-s16-random' });
const { provider } = await chooseExecutionProvider();
const files = readdirSync(folder).sort().map((name) => join(folder, name));

// The machines are shared: ORT alone is measured before and after each job and averaged, so a change
// in the other load during the run moves both sides of the ratio alike.
process.stderr.write('ONNX Runtime alone on pre-decoded tensors (before) …\n');
let aloneBefore = await ortAlone(provider, files, model.preprocessing);
const loadBefore = loadavg()[0] as number;
const measured: { decode: string; endToEnd: number; alone: number; before: number; after: number }[] = [];
for (const decode of DECODES) {
  process.stderr.write(`features job: ${COUNT} images, batch ${BATCH}, ${provider}, ${decode} decode …\n`);
  const started = performance.now();
  const job = await runner.waitFor(runner.submit('features', { modelId: model.id, batchSize: BATCH, decode }).id);
  const jobSeconds = (performance.now() - started) / 1000;
  if (job.state !== 'done' || job.done !== COUNT || job.failedItems !== 0) throw new Error(`features job ${job.state}: ${job.error ?? job.message}`);
  process.stderr.write('ONNX Runtime alone on pre-decoded tensors (after) …\n');
  const aloneAfter = await ortAlone(provider, files, model.preprocessing);
  measured.push({ decode, endToEnd: COUNT / jobSeconds, alone: (aloneBefore + aloneAfter) / 2, before: aloneBefore, after: aloneAfter });
  aloneBefore = aloneAfter;
}
process.stderr.write(`MatMul ${MATMUL_N}³ ceiling …\n`);
const ceiling = await matmulCeiling(provider);
const sidecar = JSON.parse(readFileSync(MODEL.replace(/\.onnx$/, '.json'), 'utf8'));
const gflopPerImage = vitFlops(sidecar) / 1e9;
project.close();

const rows = [
  `| images | ${COUNT} × 640×480 JPEG | model | vit_s16 random (D 384, 12 blocks, ${gflopPerImage.toFixed(2)} GFLOP/img) |`,
  '|---|---|---|---|',
  `| cores | ${availableParallelism()} × ${cpus()[0]?.model.trim()}, load avg ${loadBefore.toFixed(1)} → ${(loadavg()[0] as number).toFixed(1)} | provider, batch | ${provider}, ${BATCH} |`,
  `| ORT MatMul ${MATMUL_N}³ | ${ceiling.toFixed(0)} GFLOP/s | | |`,
  ...measured.flatMap(({ decode, endToEnd, alone, before, after }) => [
    `| ${decode} decode: features job end to end | ${endToEnd.toFixed(1)} img/s | ORT alone, pre-decoded (before, after) | ${alone.toFixed(1)} img/s (${before.toFixed(1)}, ${after.toFixed(1)}) |`,
    `| ${decode} decode: ratio job / ORT alone | **${(endToEnd / alone).toFixed(2)}** (goal ≥ 0.9) | job GFLOP/s, / MatMul ceiling | ${(endToEnd * gflopPerImage).toFixed(1)}, **${((endToEnd * gflopPerImage) / ceiling).toFixed(2)}** (ORT alone: ${((alone * gflopPerImage) / ceiling).toFixed(2)}) |`,
  ]),
];
process.stdout.write(`${rows.join('\n')}\n`);
