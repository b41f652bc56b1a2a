import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { openProject } from '../../src/core/project/project.ts';
import type { Job } from '../../src/shared/schemas.ts';
import type { ModelInfo, ProviderReport } from '../../src/shared/models.ts';
import { selfguide, selfguideJson } from '../support/cli.ts';
import { pixels, writeBrokenFiles } from '../support/images.ts';
import { TINY_VIT } from '../support/models.ts';
import { tempDir } from '../support/temp.ts';

describe('selfguide models / features', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  const project = join(root, 'project');

  beforeAll(async () => {
    mkdirSync(photos);
    for (let i = 0; i < 6; i++) await pixels(50, 40, i).jpeg().toFile(join(photos, `ok-${i}.jpg`));
    await writeBrokenFiles(photos);
    expect(selfguide(['init', project]).code).toBe(0);
    expect(selfguide(['scan', '--project', project, photos, '--quiet']).code).toBe(0);
  });

  it('imports, lists, activates and probes through the CLI', () => {
    const imported = selfguideJson<ModelInfo>(['models', 'import', TINY_VIT, '--project', project]);
    expect(imported.code).toBe(0);
    expect(imported.json).toMatchObject({ id: 'vit-tiny', embedDim: 64, active: true });
    const listed = selfguideJson<{ models: ModelInfo[]; offline: boolean }>(['models', 'list', '--project', project]);
    expect(listed.json.models.map((model) => model.id)).toEqual(['vit-tiny']);
    expect(listed.json.offline).toBe(false);
    expect(selfguideJson<ModelInfo>(['models', 'use', 'vit-tiny', '--project', project]).json.active).toBe(true);
    const probe = selfguideJson<ProviderReport>(['models', 'probe', '--project', project]);
    expect(probe.code).toBe(0);
    expect(probe.json.provider).toBe('cpu');
    expect(probe.json.tried.at(-1)).toEqual({ name: 'cpu', ok: true, error: null });
  });

  it('exits 1 with the reason for an invalid model, 2 for usage errors, and refuses downloads offline', () => {
    const bad = selfguideJson<{ error: { message: string } }>(['models', 'import', join(photos, 'ok-0.jpg'), '--project', project]);
    expect(bad.code).toBe(1);
    expect(bad.json.error.message).toMatch(/not a loadable ONNX model/);
    expect(selfguide(['models', '--project', project]).code).toBe(2);
    expect(selfguide(['features', '--batch', '0', '--project', project]).code).toBe(2);
    const decode = selfguideJson<{ error: { message: string } }>(['features', '--decode', 'quick', '--project', project]);
    expect(decode.code).toBe(2);
    expect(decode.json.error.message).toMatch(/--decode must be exact or fast/);
    expect(selfguideJson<{ offline: boolean }>(['models', 'offline', 'on', '--project', project]).json.offline).toBe(true);
    const refused = selfguideJson<{ job: Job }>(['models', 'download', 'anything', '--project', project]);
    expect(refused.code).toBe(1);
    expect(refused.json.job.error).toMatch(/Offline mode is on/);
    selfguide(['models', 'offline', 'off', '--project', project]);
  });

  it('extracts features with progress, then finds nothing left to do', () => {
    const first = selfguideJson<{ job: Job; model: ModelInfo }>(['features', '--project', project, '--batch', '4']);
    expect(first.code).toBe(0);
    expect(first.json.job).toMatchObject({ state: 'done', done: 6, total: 6, failedItems: 0 });
    expect(first.json.model.featureCount).toBe(6);
    const again = selfguideJson<{ job: Job }>(['features', '--project', project]);
    expect(again.json.job).toMatchObject({ state: 'done', done: 6, total: 6 });
    expect(again.json.job.message).toContain('6 of 6 images have features');
  });

  it('--decode fast computes every image again with the fast decoding', () => {
    const decodings = () => {
      const opened = openProject(project);
      try {
        return opened.db.prepare("SELECT decode, count(*) AS n FROM image_features WHERE kind = 'cls' GROUP BY decode").all();
      } finally {
        opened.close();
      }
    };
    expect(decodings()).toEqual([{ decode: 'exact', n: 6 }]);
    const fast = selfguideJson<{ job: Job }>(['features', '--project', project, '--decode', 'fast']);
    expect(fast.json.job).toMatchObject({ state: 'done', done: 6, total: 6, failedItems: 0 });
    expect(fast.json.job.message).toContain('on cpu, fast decode: 6 of 6 images have features');
    expect(decodings()).toEqual([{ decode: 'fast', n: 6 }]);
  });

  it('serves the same through the API contract', async () => {
    const opened = openProject(project);
    const runner = new JobRunner(opened);
    const service = createService(opened, runner);
    try {
      const models = (await service.dispatch('models.list', {})) as ModelInfo[];
      expect(models[0]).toMatchObject({ id: 'vit-tiny', featureCount: 6 });
      const report = (await service.dispatch('models.probe', {})) as ProviderReport;
      expect(report.provider).toBe('cpu');
      const job = (await service.dispatch('features.start', { withPatches: true })) as Job;
      const final = await runner.waitFor(job.id);
      expect(final.state).toBe('done');
      expect(final.message).toContain('6 of 6');
      await expect(service.dispatch('models.setActive', { id: 'missing' })).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.dispatch('models.import', { path: join(root, 'none.onnx') })).rejects.toMatchObject({ code: 'bad_request' });
    } finally {
      await runner.stop();
      opened.close();
    }
  });
});
