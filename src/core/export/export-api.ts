// The API methods of exports (src/shared/api.ts "export.*"), kept beside the export code so service.ts
// only spreads them in, and the errors they raise mapped to API error codes.
import { join } from 'node:path';
import type { z } from 'zod';
import type { ApiError, Output, api } from '../../shared/api.ts';
import { EXPORT_FORMATS } from '../../shared/exports.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { ExportError } from './export-data.ts';
import { EXPORT_FORMAT_INFO } from './export-formats.ts';
import { ExportNotFoundError, ExportStore } from './export-store.ts';
import { OutputOccupiedError } from './output-folder.ts';
import { PROJECT_EXPORTS_FOLDER, startExport } from './start-export.ts';

type ExportMethod = 'export.start' | 'export.formats' | 'export.list' | 'export.get';
type In<M extends ExportMethod> = z.infer<(typeof api)[M]['input']>;
type ExportHandlers = { [M in ExportMethod]: (input: In<M>) => Promise<Output<M>> | Output<M> };

export function exportHandlers(project: Project, runner: JobRunner): ExportHandlers {
  const store = new ExportStore(project.db);
  return {
    'export.start': (input) => startExport(project, runner, input),
    'export.formats': () => ({
      formats: EXPORT_FORMATS.map((format) => EXPORT_FORMAT_INFO[format]),
      suggestedFolder: join(project.root, PROJECT_EXPORTS_FOLDER),
    }),
    'export.list': ({ limit }) => store.list(limit),
    'export.get': ({ id }) => store.get(id),
  };
}

/** The API error code of an error raised by the methods above; null for any other error. */
export function exportErrorCode(error: unknown): ApiError['code'] | null {
  if (error instanceof ExportNotFoundError) return 'not_found';
  if (error instanceof OutputOccupiedError) return 'conflict';
  if (error instanceof ExportError) return 'bad_request';
  return null;
}
