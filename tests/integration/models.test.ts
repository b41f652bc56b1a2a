import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importModel } from '../../src/core/models/import-model.ts';
import { ModelError } from '../../src/core/models/onnx-session.ts';
import { PROBE_MODEL } from '../../src/core/models/probe-model.ts';
import { ModelRegistry } from '../../src/core/models/registry.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { TINY_VIT, TINY_VIT_SIDECAR } from '../support/models.ts';
import { tempDir } from '../support/temp.ts';

describe('model import', () => {
  const root = tempDir();
  let project: Project;

  beforeAll(() => {
    project = createProject(join(root, 'project'));
  });

  it('registers the exporter fixture with its sidecar, validated by a real session', async () => {
    const model = await importModel(project, { file: TINY_VIT });
    expect(model).toMatchObject({
      id: 'vit-tiny',
      arch: 'vit_tiny16',
      patchSize: 16,
      embedDim: 64,
      outputs: { cls: [64], patches: [196, 64], keys: [196, 64] },
      preprocessing: { width: 224, height: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      license: 'CC0-1.0 (random weights)',
      active: true,
      featureCount: 0,
    });
    const sidecar = JSON.parse(readFileSync(TINY_VIT_SIDECAR, 'utf8')) as { sha256: string; bytes: number };
    expect(model.sha256).toBe(sidecar.sha256);
    expect(readdirSync(join(project.root, 'models'))).toEqual(['vit-tiny.onnx']);
    // The same file again is the same model; another file under the same id is refused.
    expect((await importModel(project, { file: TINY_VIT })).addedAt).toBe(model.addedAt);
    const other = join(root, 'vit-tiny.onnx');
    writeFileSync(other, PROBE_MODEL);
    await expect(importModel(project, { file: other, sidecar: null })).rejects.toThrow(/already registered as "vit-tiny"/);
  });

  it('infers the patch size without a sidecar and uses SPEC §1 preprocessing', async () => {
    const lone = join(root, 'lone');
    mkdirSync(lone);
    copyFileSync(TINY_VIT, join(lone, 'bare.onnx'));
    const model = await importModel(project, { file: join(lone, 'bare.onnx') });
    expect(model).toMatchObject({ id: 'bare', arch: null, patchSize: 16, embedDim: 64, active: false });
    expect(new ModelRegistry(project).setActive('bare').active).toBe(true);
    expect(new ModelRegistry(project).list().map((m) => [m.id, m.active])).toEqual([['vit-tiny', false], ['bare', true]]);
  });

  it('refuses models that break the contract, with a clear reason, and registers nothing', async () => {
    const probe = join(root, 'matmul.onnx');
    writeFileSync(probe, PROBE_MODEL);
    await expect(importModel(project, { file: probe })).rejects.toThrow(/no input named "pixels"/);
    const garbage = join(root, 'garbage.onnx');
    writeFileSync(garbage, 'not a protobuf at all');
    await expect(importModel(project, { file: garbage })).rejects.toThrow(/not a loadable ONNX model/);
    const lying = join(root, 'lying.json');
    const sidecar = JSON.parse(readFileSync(TINY_VIT_SIDECAR, 'utf8')) as Record<string, unknown>;
    writeFileSync(lying, JSON.stringify({ ...sidecar, id: 'lying', embed_dim: 384 }));
    await expect(importModel(project, { file: TINY_VIT, sidecar: lying })).rejects.toThrow(/D = 384.*D = 64/);
    await expect(importModel(project, { file: join(root, 'nope.onnx') })).rejects.toThrow(/No such file/);
    // A sidecar of the wrong shape: a model error (the API's bad request), said in one line.
    const partial = join(root, 'partial.json');
    writeFileSync(partial, JSON.stringify({ schema_version: 1, id: 'partial' }));
    const refusal = importModel(project, { file: TINY_VIT, sidecar: partial });
    await expect(refusal).rejects.toBeInstanceOf(ModelError);
    await expect(refusal).rejects.toThrow(/^\S+partial\.json is not a selfguide model sidecar \(schema_version 1\): patch_size: [^\n[]+$/);
    // The trainer's diffusion export beside its model.onnx: said to belong to sampling.
    const diffusion = join(root, 'diffusion.json');
    writeFileSync(diffusion, JSON.stringify({ format: 'selfguide-diffusion', version: 1, preset: 'tiny' }));
    await expect(importModel(project, { file: TINY_VIT, sidecar: diffusion })).rejects.toThrow(/describes a diffusion model, not a feature extractor: import its folder for sampling/);
    expect(new ModelRegistry(project).list().map((m) => m.id)).toEqual(['vit-tiny', 'bare']);
    expect(readdirSync(join(project.root, 'models')).sort()).toEqual(['bare.onnx', 'vit-tiny.onnx']);
  });
});
