import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { type Project, openProject } from '../../core/project/project.ts';
import { FolderNotWritableError, checkWritableFolder } from '../../core/files/writable-folder.ts';
import { ConditionError } from '../../core/sample/condition-input.ts';
import { DiffusionModelNotFoundError, DiffusionModelStore, registeredOrNew } from '../../core/sample/diffusion-registry.ts';
import { GenerationStore, generationFile } from '../../core/sample/generation-store.ts';
import { maskConditionFromPng, maskConditionOfImage } from '../../core/sample/mask-png.ts';
import { modelClusterNames } from '../../core/sample/model-cluster-names.ts';
import { startSampling } from '../../core/sample/start-sampling.ts';
import { type DiffusionModelInfo, type Generation, LayoutBox, type SampleCondition, type SampleSettings, type SamplerName, Spacing } from '../../shared/generations.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { integerOption, numberOption } from '../options.ts';
import { UsageError, printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

export interface SampleOptions extends Omit<SampleSettings, 'condition'> {
  /** a registered model id, or a folder with model.onnx + model.json (registered on first use) */
  model: string;
  /** cluster index or name; or boxes; or a mask PNG; none of them: the null condition */
  cluster?: string;
  boxes?: LayoutBox[];
  maskPng?: string;
  /** the stored segment map of an image in a mask run */
  maskOf?: { runId: number; imageId: number };
  /** copy the PNGs here too */
  out?: string | null;
  quiet?: boolean;
}

export interface SampleOutcome {
  generation: Generation;
  exitCode: number;
  /** the PNGs, in the project and (with out) their copies */
  files: string[];
}

/**
 * Registers (or finds) the model, records the generation, runs its job with progress and Ctrl-C cancel.
 * Everything given (model, condition, --out) is checked before the job starts; a bad one is a UsageError.
 */
export async function sampleImages(project: Project, runner: JobRunner, options: SampleOptions): Promise<SampleOutcome> {
  const out = options.out ? outFolder(options.out) : null;
  const model = await resolveModel(project, options.model);
  const condition = await asUsageError(() => conditionFromOptions(project, model, options));
  const { count, seed, w, steps, sampler, spacing } = options;
  const { generation, job } = await asUsageError(async () => startSampling(project, runner, { modelId: model.id, count, seed, w, steps, sampler, ...(spacing ? { spacing } : {}), condition }));
  // Re-running the command starts a new generation; the job itself resumes only from the app's Jobs view.
  const resumeHint = `generation #${generation.id} keeps the images made so far; the app's Jobs view can resume it, running this command again starts a new one`;
  const { exitCode } = await followJob(runner, job, Boolean(options.quiet), { resumeHint });
  const final = new GenerationStore(project.db).get(generation.id);
  let files = Array.from({ length: final.images }, (_, i) => join(project.root, generationFile(final.id, i)));
  if (out && files.length > 0) {
    mkdirSync(out, { recursive: true });
    files = files.map((file, i) => {
      const copy = join(out, `gen${final.id}-${String(i).padStart(3, '0')}-seed${final.parameters.seed}.png`);
      copyFileSync(file, copy);
      return copy;
    });
  }
  return { generation: final, exitCode, files };
}

/** --out, refused before any sampling when the PNGs could not be copied there. */
function outFolder(out: string): string {
  try {
    return checkWritableFolder(out, { purpose: 'to copy the images into' });
  } catch (error) {
    throw error instanceof FolderNotWritableError ? new UsageError(`--out: ${error.message}`) : error;
  }
}

/** A condition the model cannot take, or a model that is not there, is the user's input: exit code 2. */
async function asUsageError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof ConditionError || error instanceof DiffusionModelNotFoundError ? new UsageError(error.message) : error;
  }
}

async function resolveModel(project: Project, arg: string): Promise<DiffusionModelInfo> {
  if (/^\d+$/.test(arg)) return asUsageError(async () => new DiffusionModelStore(project).get(Number(arg)));
  if (!existsSync(arg) || !statSync(arg).isDirectory()) {
    throw new UsageError(`--model ${arg} is neither a registered diffusion model id (see --list-models) nor a folder with model.onnx and model.json`);
  }
  return registeredOrNew(project, arg);
}

async function conditionFromOptions(project: Project, model: DiffusionModelInfo, options: SampleOptions): Promise<SampleCondition> {
  const given = [options.cluster, options.boxes, options.maskPng, options.maskOf].filter((value) => value !== undefined).length;
  if (given > 1) throw new UsageError('give one of --cluster, --boxes, --mask or --mask-of');
  if (options.boxes) return { kind: 'boxes', boxes: options.boxes };
  if (options.maskPng) {
    if (!existsSync(options.maskPng) || !statSync(options.maskPng).isFile()) throw new UsageError(`--mask ${options.maskPng} is not a file; give a PNG of segment ids (8-bit grey, 255 = none) or a palette segment map`);
    return maskConditionFromPng(readFileSync(options.maskPng));
  }
  if (options.maskOf) return maskConditionOfImage(project, options.maskOf.runId, options.maskOf.imageId);
  if (options.cluster === undefined) return { kind: 'none' };
  if (/^\d+$/.test(options.cluster)) return { kind: 'cluster', cluster: Number(options.cluster) };
  // The names as the project has them now (people's renames), then model.json's own.
  const current = modelClusterNames(project, model);
  const wanted = options.cluster.toLowerCase();
  const index = [current, model.names].map((names) => names.findIndex((name) => name.toLowerCase() === wanted)).find((found) => found >= 0) ?? -1;
  if (index < 0) throw new UsageError(`model "${model.name}" has no cluster named "${options.cluster}"; its names: ${current.join(', ')}`);
  return { kind: 'cluster', cluster: index };
}

function parseBoxes(text: string): LayoutBox[] {
  const source = existsSync(text) ? readFileSync(text, 'utf8') : text;
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch {
    throw new UsageError('--boxes takes JSON (or a JSON file): [{"x0":0.1,"y0":0.2,"x1":0.6,"y1":0.9,"cluster":3}, …], corners as fractions of the image');
  }
  const parsed = LayoutBox.array().min(1).safeParse(json);
  if (!parsed.success) throw new UsageError(`--boxes: ${parsed.error.issues.map((issue) => [...issue.path, issue.message].join(': ')).join('; ')}`);
  return parsed.data;
}

function parseMaskOf(text: string): { runId: number; imageId: number } {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--mask-of takes RUN:IMAGE (a mask run id and an image id), got "${text}"`);
  return { runId: Number(match[1]), imageId: Number(match[2]) };
}

const SAMPLER_ALIASES: Record<string, SamplerName> = { ddim: 'ddim', 'dpmpp-2m': 'dpmpp-2m', 'dpm-solver++': 'dpmpp-2m' };

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'generate images with a diffusion model, guided by a cluster, boxes or a mask',
  usage: `selfguide sample [--project DIR] --model ID|DIR [--cluster I|NAME | --boxes JSON | --mask PNG | --mask-of RUN:IMAGE]
                 [--w 2] [--steps 50] [--sampler ddim|dpm-solver++] [--spacing uniform|logsnr] [--n 8] [--seed S|random]
                 [--out DIR] [--quiet] [--json]
selfguide sample [--project DIR] --list-models

Samples --n images with DDIM (η = 0) or DPM-Solver++(2M) over ONNX Runtime, classifier-free guidance
in the imagen form (1 − w)·ε∅ + w·εc (w = 0 unconditional, 1 conditional; default: the model's, 2).
--model: a registered diffusion model id, or a folder with model.onnx + model.json (from
\`python -m selfguide_trainer export\`), registered in the project on first use.
Condition (one of; none: the null condition):
  --cluster I|NAME  an image-level cluster or class (index, or a name from model.json)
  --boxes JSON      box-layout models: [{"x0":0.1,"y0":0.2,"x1":0.6,"y1":0.9,"cluster":3}, …]
                    corners as fractions of the image (x right, y down), inline or a file
  --mask PNG        mask models: segment ids as 8-bit grey (255 = none) or a palette segment map
  --mask-of R:I     mask models: the segment map of image I in mask run R of the project
--spacing: timesteps uniform in t (LDM, DDIM's default) or in log-SNR (DPM-Solver++'s default, better
at 10–20 steps: bench/RESULTS.md). --seed: the noise seed (default 0); "random" draws one and records it. Every PNG carries all its
parameters (iTXt chunk "selfguide"); the generation is kept in the project's history under
generations/<id>/ and --out copies the PNGs to DIR (checked before sampling: it must be a folder you
can write to, or one that can be made). Ctrl-C cancels between steps and keeps the images made so far;
the app's Jobs view can resume that generation, while running the command again starts a new one.

Exit codes: 0 done, 1 failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    model: { type: 'string' },
    cluster: { type: 'string' },
    boxes: { type: 'string' },
    mask: { type: 'string' },
    'mask-of': { type: 'string' },
    w: { type: 'string' },
    steps: { type: 'string' },
    sampler: { type: 'string', default: 'ddim' },
    spacing: { type: 'string' },
    n: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'list-models': { type: 'boolean', default: false },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values }) {
    const json = Boolean(values.json);
    const project = openProject(String(values.project));
    try {
      if (values['list-models']) {
        const models = new DiffusionModelStore(project).list();
        printResult(json, { models }, () =>
          models.length
            ? models.map((m) => `${m.id}  ${m.name}  ${m.preset} ${m.resolution}px ${m.mode}${m.vectorDim ? ` (${m.vectorDim})` : ''}  sha256 ${m.sha256.slice(0, 12)}…`).join('\n')
            : 'No diffusion model registered. Give a model folder: selfguide sample --model DIR …',
        );
        return 0;
      }
      if (typeof values.model !== 'string') throw new UsageError('--model is required (a registered id or a model folder)');
      const sampler = SAMPLER_ALIASES[String(values.sampler)];
      if (!sampler) throw new UsageError(`--sampler must be ddim or dpm-solver++, got "${String(values.sampler)}"`);
      const spacing = values.spacing === undefined ? undefined : Spacing.safeParse(values.spacing).data;
      if (values.spacing !== undefined && !spacing) throw new UsageError(`--spacing must be uniform or logsnr, got "${String(values.spacing)}"`);
      const seed = values.seed === 'random' ? null : (integerOption(values, 'seed', 0, 2 ** 32 - 1, '"random"') ?? 0);
      const count = integerOption(values, 'n', 1, 64) ?? 8;
      const w = numberOption(values, 'w', -10, 50);
      const steps = integerOption(values, 'steps', 1, 999);
      const runner = new JobRunner(project);
      const model = await resolveModel(project, values.model);
      const { generation, exitCode, files } = await sampleImages(project, runner, {
        model: String(model.id),
        count,
        seed,
        w: w ?? model.defaultW,
        steps: steps ?? model.defaultSteps,
        sampler,
        ...(spacing ? { spacing } : {}),
        ...(typeof values.cluster === 'string' ? { cluster: values.cluster } : {}),
        ...(typeof values.boxes === 'string' ? { boxes: parseBoxes(values.boxes) } : {}),
        ...(typeof values.mask === 'string' ? { maskPng: values.mask } : {}),
        ...(typeof values['mask-of'] === 'string' ? { maskOf: parseMaskOf(values['mask-of']) } : {}),
        out: typeof values.out === 'string' ? values.out : null,
        quiet: Boolean(values.quiet) || json,
      });
      const p = generation.parameters;
      printResult(json, { generation, files }, () =>
        [
          `Generation #${generation.id} ${generation.state}: ${generation.images}/${p.count} image(s), ` +
            `model ${p.model.name}, ${p.sampler} ${p.steps} steps (${p.spacing} spacing), w = ${p.w} (imagen form), seed ${p.seed}${generation.randomSeed ? ' (random)' : ''}`,
          ...(generation.error ? [`Error: ${generation.error}`] : []),
          ...files,
        ].join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
