import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { type Project, openProject } from '../../core/project/project.ts';
import { DiffusionModelStore, registeredOrNew } from '../../core/sample/diffusion-registry.ts';
import { GenerationStore, generationFile } from '../../core/sample/generation-store.ts';
import { maskConditionFromPng, maskConditionOfImage } from '../../core/sample/mask-png.ts';
import { startSampling } from '../../core/sample/start-sampling.ts';
import { type DiffusionModelInfo, type Generation, LayoutBox, type SampleCondition, type SampleSettings, type SamplerName, Spacing } from '../../shared/generations.ts';
import { type Command, type ParsedCommandLine, PROJECT_OPTION } from '../command.ts';
import { UsageError, printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

type Values = ParsedCommandLine['values'];

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

/** Registers (or finds) the model, records the generation, runs its job with progress and Ctrl-C cancel. */
export async function sampleImages(project: Project, runner: JobRunner, options: SampleOptions): Promise<SampleOutcome> {
  const model = await resolveModel(project, options.model);
  const condition = await conditionFromOptions(project, model, options);
  const { count, seed, w, steps, sampler, spacing } = options;
  const { generation, job } = startSampling(project, runner, { modelId: model.id, count, seed, w, steps, sampler, ...(spacing ? { spacing } : {}), condition });
  const { exitCode } = await followJob(runner, job, Boolean(options.quiet));
  const final = new GenerationStore(project.db).get(generation.id);
  let files = Array.from({ length: final.images }, (_, i) => join(project.root, generationFile(final.id, i)));
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    files = files.map((file, i) => {
      const copy = join(resolve(options.out as string), `gen${final.id}-${String(i).padStart(3, '0')}-seed${final.parameters.seed}.png`);
      copyFileSync(file, copy);
      return copy;
    });
  }
  return { generation: final, exitCode, files };
}

async function resolveModel(project: Project, arg: string): Promise<DiffusionModelInfo> {
  if (/^\d+$/.test(arg)) return new DiffusionModelStore(project).get(Number(arg));
  if (!existsSync(arg) || !statSync(arg).isDirectory()) {
    throw new UsageError(`--model ${arg} is neither a registered diffusion model id (see --list-models) nor a folder with model.onnx and model.json`);
  }
  return registeredOrNew(project, arg);
}

async function conditionFromOptions(project: Project, model: DiffusionModelInfo, options: SampleOptions): Promise<SampleCondition> {
  const given = [options.cluster, options.boxes, options.maskPng, options.maskOf].filter((value) => value !== undefined).length;
  if (given > 1) throw new UsageError('give one of --cluster, --boxes, --mask or --mask-of');
  if (options.boxes) return { kind: 'boxes', boxes: options.boxes };
  if (options.maskPng) return maskConditionFromPng(readFileSync(options.maskPng));
  if (options.maskOf) return maskConditionOfImage(project, options.maskOf.runId, options.maskOf.imageId);
  if (options.cluster === undefined) return { kind: 'none' };
  if (/^\d+$/.test(options.cluster)) return { kind: 'cluster', cluster: Number(options.cluster) };
  const index = model.names.findIndex((name) => name.toLowerCase() === options.cluster!.toLowerCase());
  if (index < 0) {
    throw new UsageError(`model "${model.name}" has no cluster named "${options.cluster}"${model.names.length ? `; its names: ${model.names.join(', ')}` : ' (it names none: give an index)'}`);
  }
  return { kind: 'cluster', cluster: index };
}

function number(values: Values, name: string, fallback: number, check: (value: number) => boolean, what: string): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${what}, got "${String(raw)}"`);
  return value;
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
generations/<id>/ and --out copies the PNGs to DIR. Ctrl-C cancels between steps.

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
      const seed = values.seed === 'random' ? null : number(values, 'seed', 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer from 0 to 2^32 − 1 or "random"');
      const runner = new JobRunner(project);
      const model = await resolveModel(project, values.model);
      const { generation, exitCode, files } = await sampleImages(project, runner, {
        model: String(model.id),
        count: number(values, 'n', 8, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'an integer from 1 to 64'),
        seed,
        w: number(values, 'w', model.defaultW, (v) => v >= -10 && v <= 50, 'a number from −10 to 50'),
        steps: number(values, 'steps', model.defaultSteps, (v) => Number.isInteger(v) && v >= 1 && v <= 999, 'an integer from 1 to 999'),
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
          `Generation #${generation.id} ${generation.state}${generation.error ? `: ${generation.error}` : ''}: ${generation.images}/${p.count} image(s), ` +
            `model ${p.model.name}, ${p.sampler} ${p.steps} steps (${p.spacing} spacing), w = ${p.w} (imagen form), seed ${p.seed}${generation.randomSeed ? ' (random)' : ''}`,
          ...files,
        ].join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
