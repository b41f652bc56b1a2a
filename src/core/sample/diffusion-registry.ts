// The project's diffusion models: model.onnx + model.json copied under diffusion-models/<id>/, one row
// each. Importing validates the folder by opening a real session and checking its inputs and outputs
// against model.json (loadDiffusionModel), so a registered model always loads.
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DiffusionModelInfo } from '../../shared/generations.ts';
import { sha256File } from '../models/sha256-file.ts';
import type { Project } from '../project/project.ts';
import { transaction } from '../store/database.ts';
import { loadDiffusionModel } from './diffusion-model.ts';
import type { DiffusionModelSpec } from './model-spec.ts';

export class DiffusionModelNotFoundError extends Error {
  override name = 'DiffusionModelNotFoundError';
}

export interface RegisterOptions {
  /** the app's training run that produced the model */
  sourceRunId?: number | null;
  /** the clustering run whose cluster indices the model was trained on (exemplars in the Generate view) */
  clusterRunId?: number | null;
  /** display name; default: the folder's name */
  name?: string | null;
}

interface Row {
  id: number;
  name: string;
  dir: string;
  sha256: string;
  bytes: number;
  spec: string;
  source_run_id: number | null;
  cluster_run_id: number | null;
  added_at: string;
}

const MODELS_DIR = 'diffusion-models';

/**
 * Registers a model folder written by `python -m selfguide_trainer export` (model.onnx + model.json):
 * validates it, copies both files into the project and returns the new entry. The stable entry point for
 * other parts of the app (the Train job calls it after exporting).
 */
export async function registerDiffusionModel(project: Project, dir: string, options: RegisterOptions = {}): Promise<DiffusionModelInfo> {
  const source = resolve(dir);
  const model = await loadDiffusionModel(source); // throws DiffusionModelError with what is wrong
  const spec = model.spec;
  await model.close();
  const onnx = join(source, spec.onnx.file);
  const [sha256, { size }] = await Promise.all([sha256File(onnx), stat(onnx)]);
  const store = new DiffusionModelStore(project);
  if (options.clusterRunId != null && !project.db.prepare('SELECT 1 FROM cluster_runs WHERE id = ?').get(options.clusterRunId)) {
    throw new RangeError(`No clustering run #${options.clusterRunId} in this project (see: selfguide cluster).`);
  }
  const id = store.insert({
    name: options.name ?? basename(source),
    sha256,
    bytes: size,
    spec: { ...spec, onnx: { ...spec.onnx, file: 'model.onnx' } },
    sourceRunId: options.sourceRunId ?? null,
    clusterRunId: options.clusterRunId ?? null,
  });
  const target = join(project.root, store.relativeDir(id));
  try {
    await mkdir(target, { recursive: true });
    await copyFile(onnx, join(target, 'model.onnx'));
    await copyFile(join(source, 'model.json'), join(target, 'model.json'));
  } catch (error) {
    store.delete(id);
    await rm(target, { recursive: true, force: true });
    throw error;
  }
  return store.get(id);
}

/**
 * The model folder's registered entry when its model.onnx is already registered (same sha256), else a
 * new registration: what `selfguide sample --model DIR` and the demo use, so running twice adds one model.
 */
export async function registeredOrNew(project: Project, dir: string, options: RegisterOptions = {}): Promise<DiffusionModelInfo> {
  const onnx = join(resolve(dir), 'model.onnx');
  const sha256 = await sha256File(onnx).catch(() => null); // a missing file is explained by registerDiffusionModel
  const known = sha256 ? new DiffusionModelStore(project).findBySha256(sha256) : null;
  return known ?? registerDiffusionModel(project, dir, options);
}

export class DiffusionModelStore {
  private readonly project: Project;

  constructor(project: Project) {
    this.project = project;
  }

  list(): DiffusionModelInfo[] {
    return (this.project.db.prepare('SELECT * FROM diffusion_models ORDER BY id').all() as unknown as Row[]).map(toInfo);
  }

  /** The registered model whose ONNX file has this hash, if any (the newest). */
  findBySha256(sha256: string): DiffusionModelInfo | null {
    const row = this.project.db.prepare('SELECT * FROM diffusion_models WHERE sha256 = ? ORDER BY id DESC').get(sha256) as Row | undefined;
    return row ? toInfo(row) : null;
  }

  get(id: number): DiffusionModelInfo {
    return toInfo(this.row(id));
  }

  /** The folder holding model.onnx and model.json, absolute. */
  dir(id: number): string {
    return join(this.project.root, this.row(id).dir);
  }

  spec(id: number): DiffusionModelSpec {
    return JSON.parse(this.row(id).spec) as DiffusionModelSpec;
  }

  relativeDir(id: number): string {
    return join(MODELS_DIR, String(id));
  }

  insert(entry: { name: string; sha256: string; bytes: number; spec: DiffusionModelSpec; sourceRunId: number | null; clusterRunId: number | null }): number {
    return transaction(this.project.db, () => {
      const { lastInsertRowid } = this.project.db
        .prepare('INSERT INTO diffusion_models (name, dir, sha256, bytes, spec, source_run_id, cluster_run_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(entry.name, '', entry.sha256, entry.bytes, JSON.stringify(entry.spec), entry.sourceRunId, entry.clusterRunId);
      const id = Number(lastInsertRowid);
      this.project.db.prepare('UPDATE diffusion_models SET dir = ? WHERE id = ?').run(this.relativeDir(id), id);
      return id;
    });
  }

  delete(id: number): void {
    this.project.db.prepare('DELETE FROM diffusion_models WHERE id = ?').run(id);
  }

  /** Unregisters a model and deletes its copied files; its generations stay (their PNGs name the model's sha256). */
  async remove(id: number): Promise<DiffusionModelInfo> {
    const info = this.get(id);
    const dir = this.dir(id);
    this.delete(id);
    await rm(dir, { recursive: true, force: true });
    return info;
  }

  private row(id: number): Row {
    const row = this.project.db.prepare('SELECT * FROM diffusion_models WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new DiffusionModelNotFoundError(`No diffusion model #${id} in this project. See: selfguide sample --list-models`);
    return row;
  }
}

function toInfo(row: Row): DiffusionModelInfo {
  const spec = JSON.parse(row.spec) as DiffusionModelSpec;
  const { conditioning } = spec;
  return {
    id: row.id,
    name: row.name,
    sha256: row.sha256,
    bytes: row.bytes,
    preset: spec.preset,
    resolution: spec.resolution,
    channels: spec.channels,
    mode: conditioning.mode,
    vectorDim: conditioning.vector_dim,
    layoutChannels: conditioning.layout_channels,
    names: conditioning.names ?? [],
    defaultW: spec.guidance.default_w,
    defaultSteps: spec.sampler.default_steps,
    sourceRunId: row.source_run_id,
    clusterRunId: row.cluster_run_id,
    addedAt: row.added_at,
  };
}

