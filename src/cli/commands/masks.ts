import { JobRunner } from '../../core/jobs/job-runner.ts';
import { MaskStore } from '../../core/labels/mask-store.ts';
import { recomputeMasks, startMasks } from '../../core/labels/start-masks.ts';
import { openProject } from '../../core/project/project.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { RECOMPUTE_OPTIONS } from '../label-runs.ts';
import { integerOption } from '../options.ts';
import { printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

export const masksCommand: Command = {
  name: 'masks',
  summary: 'segment every image into K dataset-wide segments (a new run each time)',
  usage: `selfguide masks [--project DIR] [--model ID] [--k K] [--seed S] [--restarts R] [--iterations I] [--max-tokens N] [--quiet] [--json]
selfguide masks --recompute RUN [--replace] [--project DIR]

SPEC §4: k-means (K = 27 unless --k) over the L2-normalized patch tokens of the collection (a seeded
sample of at most --max-tokens tokens, default 200,000) gives segments that mean the same thing in every
image; each image's map, upsampled to its size, is stored as a PNG under masks/<run>/ with one fixed
colour per segment. Needs patch features: selfguide features --with-patches. Ctrl-C cancels; resuming
keeps the fitted segments and draws only the missing maps.

--recompute RUN refits and redraws a run; if segments were renamed it refuses unless --replace (names
are kept by segment number).

Exit codes: 0 done, 1 failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    model: { type: 'string' },
    k: { type: 'string' },
    seed: { type: 'string' },
    restarts: { type: 'string' },
    iterations: { type: 'string' },
    'max-tokens': { type: 'string' },
    ...RECOMPUTE_OPTIONS,
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values }) {
    const recompute = integerOption(values, 'recompute', 1, Number.MAX_SAFE_INTEGER);
    const request = {
      modelId: typeof values.model === 'string' ? values.model : null,
      k: integerOption(values, 'k', 2, 255),
      seed: integerOption(values, 'seed', 0, 2 ** 31 - 1),
      restarts: integerOption(values, 'restarts', 1, 100),
      iterations: integerOption(values, 'iterations', 1, 1000),
      maxTokens: integerOption(values, 'max-tokens', 1, 100_000_000),
    };
    const project = openProject(String(values.project));
    try {
      const runner = new JobRunner(project);
      const { run, job } = recompute !== undefined ? recomputeMasks(project, runner, recompute, Boolean(values.replace)) : startMasks(project, runner, request);
      const { job: final, exitCode } = await followJob(runner, job, Boolean(values.quiet || values.json));
      const store = new MaskStore(project.db);
      const done = store.get(run.id);
      const segments = done.state === 'done' ? store.segments(run.id) : [];
      printResult(Boolean(values.json), { job: final, run: done, segments }, () =>
        [
          `Masks ${final.state}${final.message ? `: ${final.message}` : ''}${final.error ? ` — ${final.error}` : ''}`,
          ...segments
            .filter((segment) => segment.images > 0)
            .map((segment) => `  ${segment.colour}  ${segment.name}: in ${segment.images} images, ${segment.pixels.toLocaleString('en')} pixels`),
        ].join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
