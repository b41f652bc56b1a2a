// Features are stored as float16: an image for which a model gives NaN, ±∞ or values beyond ±65504
// must be recorded as failed, with a message that says why, and nothing of it stored, since k-means,
// LOST and the masks would fail on such rows later with errors that point nowhere near the model.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNSTORABLE } from '../../src/core/features/extract-job.ts';
import { FeatureIndex } from '../../src/core/features/feature-index.ts';
import { readFeatures } from '../../src/core/features/reader.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { ELEM_FLOAT, encodeOnnxModel, type OnnxGraph } from '../../src/core/labels/onnx-proto.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import type { ModelInfo } from '../../src/shared/models.ts';
import { scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

/**
 * A feature model whose 16 × 16 patches are the raw normalized pixels (D = 3·16·16 twice over) and
 * whose cls is [log m, exp(10·m)] for m the patches' mean: a black image (m < 0 after the ImageNet
 * normalization) gives NaN, a white one (m ≈ 2) gives exp(20) ≈ 5·10⁸, a mid-grey one finite values.
 */
const LOG_EXP_MODEL: OnnxGraph = {
  name: 'log-exp-of-mean-pixels',
  inputs: [{ name: 'pixels', elemType: ELEM_FLOAT, shape: ['batch', 3, 'height', 'width'] }],
  outputs: [
    { name: 'cls', elemType: ELEM_FLOAT, shape: ['batch', 1536] },
    { name: 'patches', elemType: ELEM_FLOAT, shape: ['batch', 'tokens', 1536] },
    { name: 'keys', elemType: ELEM_FLOAT, shape: ['batch', 'tokens', 768] },
  ],
  nodes: [
    { op: 'SpaceToDepth', inputs: ['pixels'], outputs: ['blocks'], attrs: { blocksize: 16 } },
    { op: 'Constant', inputs: [], outputs: ['flat'], attrs: { value: { int64s: [0, 768, -1] } } },
    { op: 'Reshape', inputs: ['blocks', 'flat'], outputs: ['columns'] },
    { op: 'Transpose', inputs: ['columns'], outputs: ['keys'], attrs: { perm: [0, 2, 1] } },
    { op: 'Concat', inputs: ['keys', 'keys'], outputs: ['patches'], attrs: { axis: 2 } },
    { op: 'ReduceMean', inputs: ['keys'], outputs: ['mean'], attrs: { axes: [1], keepdims: 0 } },
    { op: 'Log', inputs: ['mean'], outputs: ['log'] },
    { op: 'Constant', inputs: [], outputs: ['ten'], attrs: { value_float: { float: 10 } } },
    { op: 'Mul', inputs: ['mean', 'ten'], outputs: ['scaled'] },
    { op: 'Exp', inputs: ['scaled'], outputs: ['exp'] },
    { op: 'Concat', inputs: ['log', 'exp'], outputs: ['cls'], attrs: { axis: 1 } },
  ],
};

const solid = (value: number) => sharp({ create: { width: 48, height: 32, channels: 3, background: { r: value, g: value, b: value } } }).png();

describe('features a model gives that float16 cannot hold', () => {
  const root = tempDir();
  let project: Project;
  let model: ModelInfo;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const photos = join(root, 'photos');
    mkdirSync(photos);
    for (const [name, value] of [['black', 0], ['grey', 128], ['white', 255]] as const) await solid(value).toFile(join(photos, `${name}.png`));
    const file = join(root, 'log-exp.onnx');
    writeFileSync(file, encodeOnnxModel(LOG_EXP_MODEL));
    project = createProject(join(root, 'project'));
    await scanFolders(project, [photos]);
    model = await importModel(project, { file });
    for (const row of project.db.prepare('SELECT id, rel_path FROM images').all() as { id: number; rel_path: string }[]) {
      ids[row.rel_path.replace('.png', '')] = row.id;
    }
  });

  it('records those images as failed with the reason, stores the others, and the job finishes', async () => {
    expect(model.embedDim).toBe(1536);
    const runner = new JobRunner(project);
    const job = await runner.waitFor(runner.submit('features', { modelId: model.id, batchSize: 3 }).id);
    expect(job.state).toBe('done');
    expect(job.failedItems).toBe(2);
    expect(job.message).toContain('1 of 3 images have features, 2 failed');

    const failures = new FeatureIndex(project.db, model.id).failures();
    expect(failures.map((failure) => failure.imageId).sort()).toEqual([ids.black, ids.white].sort());
    for (const failure of failures) expect(failure.error).toBe(UNSTORABLE);

    const order = [ids.black, ids.grey, ids.white] as number[];
    const features = readFeatures(project, model.id, order, 'cls');
    expect(features.found).toEqual([false, true, false]);
    const grey = features.data.subarray(1536, 2 * 1536);
    expect(grey.every(Number.isFinite)).toBe(true);
    // the grey image's row is its own, not a neighbour's shifted in: log of a small positive mean
    expect(grey[0]).toBeLessThan(0);
    expect(grey[1536 - 1]).toBeGreaterThan(1);
  });
});
