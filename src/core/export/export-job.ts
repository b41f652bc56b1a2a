// The 'export' job: writes one recorded export (export-store.ts) with per-image progress. A cancel
// stops it between two images; as after any failure, the scratch folder goes and nothing is left.
// Resumable in the simple sense: an interrupted, failed or cancelled export is written again whole.
import { z } from 'zod';
import type { JobContext } from '../jobs/job-context.ts';
import { exportLabels } from './export-labels.ts';
import { ExportStore } from './export-store.ts';

export const ExportSpec = z.object({ exportId: z.number().int().positive() });
export type ExportSpec = z.infer<typeof ExportSpec>;

class Cancelled extends Error {}

export async function runExport(context: JobContext): Promise<void> {
  const { project } = context;
  const { exportId } = ExportSpec.parse(context.spec);
  const store = new ExportStore(project.db);
  const record = store.get(exportId);
  context.progress({ phase: 'gathering labels', done: 0, total: null, message: null });
  try {
    const summary = await exportLabels(project, {
      format: record.format,
      out: record.outDir,
      ...record.runs,
      acceptedBoxesOnly: record.acceptedOnly,
      overwrite: record.overwrite,
      imageFolderMode: record.copy ? 'copy' : 'symlink',
      onProgress: (done, total) => {
        if (context.isCancelled()) throw new Cancelled();
        context.progress({ phase: `writing ${record.format}`, done, total });
      },
    });
    store.setResult(exportId, { ...summary.runs, images: summary.images, boxes: summary.boxes, masks: summary.masks });
    context.progress({
      phase: 'finished',
      message: `${summary.images} images (${summary.boxes} boxes, ${summary.masks} masks) as ${record.format} in ${summary.out}`,
    });
  } catch (error) {
    if (error instanceof Cancelled) return context.progress({ phase: 'cancelled', message: `export #${exportId} cancelled; nothing was written to ${record.outDir}` });
    throw error;
  }
}
