// Per-project settings with defaults; stored as JSON values in the settings table.
import type { Database } from '../store/database.ts';

const DEFAULTS = {
  /** Images with more pixels than this are recorded as broken instead of decoded (decompression bombs). */
  maxPixels: 268_402_689,
  /** Longest side of cached thumbnails. */
  thumbnailSize: 256,
  /** Feature-extractor model used when none is named (a registered model id). */
  activeModel: null as string | null,
  /** When true, selfguide never downloads anything (model downloads are refused). */
  offline: false,
  /** Extra pinned-download manifest (JSON file) besides the built-in one. */
  modelManifest: null as string | null,
  /** Python that runs the trainer (null: $SELFGUIDE_PYTHON, the selfguide folder's .venv, python3). */
  pythonPath: null as string | null,
  /**
   * LOST boxes run on the image at (nearly) full resolution: the longer side is scaled down to this
   * (a 4000-px photo at patch 16 would be ~47,000 patches and a 47,000² Gram matrix).
   */
  lostMaxSide: 1024,
};

export type SettingKey = keyof typeof DEFAULTS;

export class Settings {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  get<K extends SettingKey>(key: K): (typeof DEFAULTS)[K] {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as (typeof DEFAULTS)[K]) : DEFAULTS[key];
  }

  set<K extends SettingKey>(key: K, value: (typeof DEFAULTS)[K]): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }
}
