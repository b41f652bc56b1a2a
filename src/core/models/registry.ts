// The project's registered feature extractors: one row per model in the models table, its ONNX file
// under <project>/models/<id>.onnx, and the active model in the settings.
import { join } from 'node:path';
import { type ModelInfo, ModelMetadata } from '../../shared/models.ts';
import type { Project } from '../project/project.ts';

interface ModelRow {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  metadata: string;
  added_at: string;
  feature_count: number;
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}

export function modelsDir(project: Project): string {
  return join(project.root, 'models');
}

export class ModelRegistry {
  private readonly project: Project;

  constructor(project: Project) {
    this.project = project;
  }

  list(): ModelInfo[] {
    return this.rows('').map((row) => this.toInfo(row));
  }

  find(id: string): ModelInfo | null {
    const [row] = this.rows('WHERE m.id = ?', id);
    return row ? this.toInfo(row) : null;
  }

  get(id: string): ModelInfo {
    const model = this.find(id);
    if (!model) throw new ModelNotFoundError(`No model "${id}" is registered. See: selfguide models list`);
    return model;
  }

  /** The model named, or the active one; explains what to do when there is none. */
  resolve(id: string | null | undefined): ModelInfo {
    const chosen = id ?? this.activeId();
    if (!chosen) throw new ModelNotFoundError('No model is registered yet. Import one: selfguide models import FILE.onnx');
    return this.get(chosen);
  }

  filePath(id: string): string {
    const row = this.project.db.prepare('SELECT file FROM models WHERE id = ?').get(id) as { file: string } | undefined;
    if (!row) throw new ModelNotFoundError(`No model "${id}" is registered.`);
    return join(modelsDir(this.project), row.file);
  }

  add(model: { id: string; file: string; sha256: string; bytes: number; metadata: ModelMetadata }): ModelInfo {
    this.project.db
      .prepare('INSERT INTO models (id, file, sha256, bytes, metadata) VALUES (?, ?, ?, ?, ?)')
      .run(model.id, model.file, model.sha256, model.bytes, JSON.stringify(ModelMetadata.parse(model.metadata)));
    if (!this.activeId()) this.setActive(model.id);
    return this.get(model.id);
  }

  activeId(): string | null {
    const id = this.project.settings.get('activeModel');
    return id && this.exists(id) ? id : null;
  }

  setActive(id: string): ModelInfo {
    if (!this.exists(id)) throw new ModelNotFoundError(`No model "${id}" is registered.`);
    this.project.settings.set('activeModel', id);
    return this.get(id);
  }

  private exists(id: string): boolean {
    return this.project.db.prepare('SELECT 1 FROM models WHERE id = ?').get(id) !== undefined;
  }

  private rows(where: string, ...params: string[]): ModelRow[] {
    return this.project.db
      .prepare(
        `SELECT m.*, (SELECT count(*) FROM image_features f WHERE f.model_id = m.id AND f.kind = 'cls') AS feature_count
         FROM models m ${where} ORDER BY m.added_at, m.id`,
      )
      .all(...params) as unknown as ModelRow[];
  }

  private toInfo(row: ModelRow): ModelInfo {
    return {
      ...ModelMetadata.parse(JSON.parse(row.metadata)),
      id: row.id,
      sha256: row.sha256,
      bytes: row.bytes,
      addedAt: row.added_at,
      active: row.id === this.project.settings.get('activeModel'),
      featureCount: row.feature_count,
    };
  }
}
