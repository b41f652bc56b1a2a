import { resolve } from 'node:path';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { importModel } from '../../core/models/import-model.ts';
import { availableModels } from '../../core/models/manifest.ts';
import { probeInWorker } from '../../core/models/probe-in-worker.ts';
import { ModelRegistry } from '../../core/models/registry.ts';
import { type Project, openProject } from '../../core/project/project.ts';
import type { ModelInfo } from '../../shared/models.ts';
import { type Command, type ParsedCommandLine, PROJECT_OPTION } from '../command.ts';
import { EXIT, UsageError, printResult } from '../output.ts';
import { RUN_AGAIN_TO_RESUME, followJob } from '../run-job-in-cli.ts';

const USAGE = `selfguide models <subcommand> [--project DIR] [--json]

  list                      registered models (* = active) and the pinned downloads
  import FILE.onnx          validate and register a local model; its sidecar NAME.json beside it is
                            read if present  [--sidecar FILE] [--id ID] [--activate]
  download ID               download a model of the manifest (sha256-verified, resumable)
                            [--manifest FILE: use this manifest from now on]
  use ID                    make ID the active model (used by \`selfguide features\`)
  probe                     which ONNX Runtime execution provider works here (CUDA, DirectML,
                            CoreML, else CPU), by running a real session
  offline [on|off]          show or set offline mode (on: downloads are refused)

Exit codes: 0 ok, 1 failed (e.g. an invalid model, a wrong hash), 2 usage error, 3 project error.`;

type Subcommand = (project: Project, args: string[], values: ParsedCommandLine['values']) => Promise<number>;

const json = (values: ParsedCommandLine['values']) => Boolean(values.json);

const describe = (model: ModelInfo) =>
  `${model.active ? '*' : ' '} ${model.id}  ${model.arch ?? 'vit'} D=${model.embedDim} patch ${model.patchSize} ` +
  `${model.preprocessing.width}×${model.preprocessing.height}  ${model.featureCount} images with features  ` +
  `${(model.bytes / 1e6).toFixed(1)} MB  sha256 ${model.sha256.slice(0, 12)}…`;

const SUBCOMMANDS: Record<string, Subcommand> = {
  async list(project, _args, values) {
    const models = new ModelRegistry(project).list();
    const available = availableModels(project);
    printResult(json(values), { models, available, offline: project.settings.get('offline') }, () =>
      [
        models.length ? 'Registered models (* = active):' : 'No model registered. Import one: selfguide models import FILE.onnx',
        ...models.map(describe),
        ...(available.length ? ['Downloadable:', ...available.map((m) => `  ${m.id}  ${(m.bytes / 1e6).toFixed(1)} MB  ${m.description}${m.registered ? ' (registered)' : ''}`)] : []),
      ].join('\n'),
    );
    return EXIT.ok;
  },
  async import(project, [file], values) {
    if (!file) throw new UsageError('models import needs the .onnx file');
    const model = await importModel(project, {
      file: resolve(file),
      sidecar: typeof values.sidecar === 'string' ? resolve(values.sidecar) : null,
      id: typeof values.id === 'string' ? values.id : null,
    });
    const registry = new ModelRegistry(project);
    const final = values.activate ? registry.setActive(model.id) : registry.get(model.id);
    printResult(json(values), final, () => `Registered:\n${describe(final)}`);
    return EXIT.ok;
  },
  async download(project, [id], values) {
    if (!id) throw new UsageError('models download needs a model id (see: selfguide models list)');
    if (typeof values.manifest === 'string') project.settings.set('modelManifest', resolve(values.manifest));
    const runner = new JobRunner(project);
    const { job, exitCode } = await followJob(runner, runner.submit('model-download', { id }), json(values) || Boolean(values.quiet), { resumeHint: RUN_AGAIN_TO_RESUME });
    const model = new ModelRegistry(project).find(id);
    printResult(json(values), { job, model }, () => (model && job.state === 'done' ? `Downloaded and registered:\n${describe(model)}` : `Download ${job.state}${job.error ? `: ${job.error}` : ''}`));
    return exitCode;
  },
  async use(project, [id], values) {
    if (!id) throw new UsageError('models use needs a model id');
    const model = new ModelRegistry(project).setActive(id);
    printResult(json(values), model, () => `Active model: ${model.id}`);
    return EXIT.ok;
  },
  async probe(_project, _args, values) {
    const report = await probeInWorker();
    printResult(json(values), report, () =>
      [
        `Execution provider: ${report.provider} (ONNX Runtime ${report.onnxruntime})`,
        ...report.tried.map((t) => `  ${t.ok ? 'ok    ' : 'failed'} ${t.name}${t.error ? ` — ${t.error}` : ''}`),
      ].join('\n'),
    );
    return EXIT.ok;
  },
  async offline(project, [state], values) {
    if (state !== undefined && state !== 'on' && state !== 'off') throw new UsageError('models offline takes "on" or "off"');
    if (state) project.settings.set('offline', state === 'on');
    const offline = project.settings.get('offline');
    printResult(json(values), { offline }, () => `Offline mode is ${offline ? 'on: downloads are refused' : 'off'}.`);
    return EXIT.ok;
  },
};

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list, import, download and choose feature-extractor models; probe the execution provider',
  usage: USAGE,
  options: {
    ...PROJECT_OPTION,
    sidecar: { type: 'string' },
    id: { type: 'string' },
    activate: { type: 'boolean', default: false },
    manifest: { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values, positionals }) {
    const [name, ...args] = positionals;
    const subcommand = name ? SUBCOMMANDS[name] : undefined;
    if (!subcommand) throw new UsageError(name ? `unknown subcommand "${name}"` : 'missing subcommand');
    const project = openProject(String(values.project));
    try {
      return await subcommand(project, args, values);
    } finally {
      project.close();
    }
  },
};
