// The features job and its model file: with nothing left to extract it finishes without opening the
// model (whose file may be gone), and with work to do a missing file fails the job with a message that
// names the file and what to do, not ONNX Runtime's "Load model … failed"; importing the file again puts it back.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeatureIndex } from '../../src/core/features/feature-index.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { ModelRegistry } from '../../src/core/models/registry.ts';
import { colourGroupsWithFeatures } from '../support/features-project.ts';

describe('the features job when the model file is missing', () => {
  const fixture = colourGroupsWithFeatures(2);
  let modelFile: string;
  const extract = async () => fixture.runner.waitFor(fixture.runner.submit('features', { modelId: fixture.modelId }).id);

  beforeAll(() => {
    modelFile = new ModelRegistry(fixture.project).filePath(fixture.modelId);
    renameSync(modelFile, join(fixture.root, 'moved.onnx'));
  });

  it('finishes at once when every image has features, without the model', async () => {
    const job = await extract();
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    expect(job.done).toBe(job.total);
    expect(job.message).toMatch(/(\d+) of \1 images have features, nothing to extract/);
  });

  it('fails with the file named and what to do when images are pending, and goes on once the file is back', async () => {
    const { project, modelId } = fixture;
    const [first] = project.db.prepare('SELECT id FROM images ORDER BY id LIMIT 1').all() as { id: number }[];
    new FeatureIndex(project.db, modelId).forget('cls', [first?.id as number]);
    const failed = await extract();
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain(`The file of model "${modelId}" is missing: ${modelFile}`);
    expect(failed.error).toContain('back to that path');
    expect(failed.error).not.toContain('Load model');

    expect(failed.error).toContain(`selfguide models import FILE --id ${modelId}`);

    // Importing the same file again puts it back (the registry entry was there all along).
    const again = await importModel(project, { file: join(fixture.root, 'moved.onnx'), id: modelId });
    expect(again.id).toBe(modelId);
    expect(existsSync(modelFile)).toBe(true);
    expect((await extract()).state).toBe('done');
    expect(new FeatureIndex(project.db, modelId).countPending(['cls'])).toBe(0);
  });
});
