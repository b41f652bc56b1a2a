// Starts an export: checks the request (format, sources, output folder) before any work, records it in
// the project's list of exports and queues the 'export' job that writes it. The CLI and the app both
// come through here.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ExportFormat, ExportRecord, ExportSource } from '../../shared/exports.ts';
import type { Job } from '../../shared/schemas.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { BoxStore } from '../labels/box-store.ts';
import { ClusterStore } from '../labels/cluster-store.ts';
import { latestDoneRun } from '../labels/latest-run.ts';
import { MaskStore } from '../labels/mask-store.ts';
import type { Project } from '../project/project.ts';
import { ExportError, clusterRunOf } from './export-data.ts';
import { EXPORT_FORMAT_INFO, runsUsedBy } from './export-formats.ts';
import type { ExportSpec } from './export-job.ts';
import { ExportStore } from './export-store.ts';
import { checkOutputFolder } from './output-folder.ts';

/** Inside a project, exports may go only here; everything else there is the project's own. */
export const PROJECT_EXPORTS_FOLDER = 'exports';

export interface ExportStartRequest {
  format: ExportFormat;
  outDir: string;
  /** A run id, null for none; undefined: when no run is named at all, the newest done run of each kind. */
  clusterRunId?: number | null;
  boxRunId?: number | null;
  maskRunId?: number | null;
  acceptedOnly?: boolean;
  /** ImageFolder: copies instead of symbolic links. */
  copy?: boolean;
  overwrite?: boolean;
}

const SOURCE_WORDS: Record<ExportSource, [string, string]> = {
  cluster: ['a clustering run', 'cluster the images'],
  box: ['a box run', 'compute boxes'],
  mask: ['a mask run', 'compute masks'],
};

/** A format without the run it cannot do without. */
export class ExportSourceError extends ExportError {
  override name = 'ExportSourceError';
  readonly source: ExportSource;
  constructor(format: ExportFormat, source: ExportSource) {
    const [what, compute] = SOURCE_WORDS[source];
    super(`${EXPORT_FORMAT_INFO[format].title} needs ${what}: choose one, or ${compute} first.`);
    this.source = source;
  }
}

export function startExport(project: Project, runner: JobRunner, request: ExportStartRequest): { export: ExportRecord; job: Job } {
  const outDir = exportTarget(project, request.outDir);
  const runs = resolveRuns(project, request);
  const { requires } = EXPORT_FORMAT_INFO[request.format];
  const effectiveCluster = clusterRunOf(project, runs);
  if (requires === 'box' && runs.boxRunId === null) throw new ExportSourceError(request.format, 'box');
  if (requires === 'cluster' && effectiveCluster === null) throw new ExportSourceError(request.format, 'cluster');
  if (runs.clusterRunId === null && runs.boxRunId === null && runs.maskRunId === null) throw new ExportError('Nothing to export: choose a clustering run, a box run or a mask run.');
  ensureDone(project, runs);
  checkOutputFolder(outDir, request.overwrite ?? false);
  const store = new ExportStore(project.db);
  const used = runsUsedBy(request.format, { ...runs, clusterRunId: effectiveCluster });
  const record = store.create({ format: request.format, outDir, ...used, acceptedOnly: request.acceptedOnly ?? false, copy: request.copy ?? false, overwrite: request.overwrite ?? false });
  const job = runner.submit('export', { exportId: record.id } satisfies ExportSpec);
  store.setJob(record.id, job.id);
  return { export: store.get(record.id), job };
}

/** An absolute folder outside the project's own files (its exports/ folder excepted). */
export function exportTarget(project: Project, outDir: string): string {
  if (!isAbsolute(outDir)) throw new ExportError(`The output folder must be an absolute path (got "${outDir}").`);
  const target = resolve(outDir);
  const inside = relative(project.root, target);
  const inProject = inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside));
  if (inProject && (inside === '' || inside === PROJECT_EXPORTS_FOLDER || !inside.startsWith(`${PROJECT_EXPORTS_FOLDER}${sep}`))) {
    throw new ExportError(`${target} is inside the project's own folders; choose a folder outside ${project.root}, or one under ${resolve(project.root, PROJECT_EXPORTS_FOLDER)}.`);
  }
  return target;
}

function resolveRuns(project: Project, request: ExportStartRequest): { clusterRunId: number | null; boxRunId: number | null; maskRunId: number | null } {
  const named = [request.clusterRunId, request.boxRunId, request.maskRunId].some((id) => id !== undefined);
  const pick = (id: number | null | undefined, kind: 'cluster' | 'box' | 'mask') => (id !== undefined ? id : named ? null : latestDoneRun(project, kind));
  return { clusterRunId: pick(request.clusterRunId, 'cluster'), boxRunId: pick(request.boxRunId, 'box'), maskRunId: pick(request.maskRunId, 'mask') };
}

function ensureDone(project: Project, runs: { clusterRunId: number | null; boxRunId: number | null; maskRunId: number | null }): void {
  const states = [
    ['Clustering run', runs.clusterRunId, runs.clusterRunId !== null ? new ClusterStore(project.db).get(runs.clusterRunId).state : null],
    ['Box run', runs.boxRunId, runs.boxRunId !== null ? new BoxStore(project.db).get(runs.boxRunId).state : null],
    ['Mask run', runs.maskRunId, runs.maskRunId !== null ? new MaskStore(project.db).get(runs.maskRunId).state : null],
  ] as const;
  for (const [what, id, state] of states) {
    if (state !== null && state !== 'done') throw new ExportError(`${what} #${id} is ${state}; export it once its job is done.`);
  }
}
