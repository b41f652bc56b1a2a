// Versioned schema migrations. A project written by an older selfguide is migrated when opened;
// one written by a newer selfguide is refused, since we cannot know what its tables mean.
import { type Database, transaction } from './database.ts';

/** Index i holds the SQL that takes the schema from version i to version i + 1. Append only. */
export const MIGRATIONS: readonly string[] = [
  // 1: folders, images, jobs, settings.
  `
  CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    rel_path TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    width INTEGER,
    height INTEGER,
    format TEXT,
    orientation INTEGER,
    sha256 TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'broken', 'missing')),
    error TEXT,
    duplicate_count INTEGER NOT NULL DEFAULT 1,
    scanned_at TEXT NOT NULL,
    UNIQUE (folder_id, rel_path)
  );
  CREATE INDEX images_by_status ON images(status, folder_id, rel_path);
  CREATE INDEX images_by_sha ON images(sha256);
  CREATE INDEX images_duplicates ON images(duplicate_count, sha256) WHERE duplicate_count > 1;
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    rate REAL,
    eta_seconds REAL,
    failed_items INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    error TEXT,
    owner_pid INTEGER,
    heartbeat_at INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE INDEX jobs_by_state ON jobs(state);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 2: feature-extractor models and the per-(image, model) index of features stored on disk.
  `
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE feature_files (
    model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('cls', 'patches', 'keys')),
    shape TEXT NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model_id, kind)
  );
  CREATE TABLE image_features (
    model_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    sha256 TEXT,
    PRIMARY KEY (model_id, kind, image_id),
    FOREIGN KEY (model_id, kind) REFERENCES feature_files(model_id, kind) ON DELETE CASCADE
  );
  CREATE TABLE feature_failures (
    model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    error TEXT NOT NULL,
    failed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (model_id, image_id)
  );
  `,
  // 3: clustering runs side by side (assignments, user renames kept apart) and ground-truth labellings.
  `
  CREATE TABLE cluster_runs (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    k INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    images INTEGER,
    inertia REAL,
    method TEXT,
    centroid_file TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE cluster_assignments (
    run_id INTEGER NOT NULL REFERENCES cluster_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    cluster INTEGER NOT NULL,
    distance REAL NOT NULL,
    PRIMARY KEY (run_id, image_id)
  );
  CREATE INDEX cluster_members ON cluster_assignments(run_id, cluster, distance);
  -- Only names a person chose; a recompute rewrites assignments and never touches this table.
  CREATE TABLE cluster_names (
    run_id INTEGER NOT NULL REFERENCES cluster_runs(id) ON DELETE CASCADE,
    cluster INTEGER NOT NULL,
    name TEXT NOT NULL,
    renamed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, cluster)
  );
  CREATE TABLE labellings (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE image_labels (
    labelling_id INTEGER NOT NULL REFERENCES labellings(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    PRIMARY KEY (labelling_id, image_id)
  );
  `,
  // LOST box runs and segment-mask runs: computed rows replaced by a recompute, people's decisions
  // (box accept/reject/edit/reassign, segment names) in tables of their own that a recompute never touches.
  `
  CREATE TABLE box_runs (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    cluster_run_id INTEGER REFERENCES cluster_runs(id) ON DELETE SET NULL,
    max_side INTEGER NOT NULL,
    min_side INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  -- One row per image the run has dealt with: a box, or the error that kept it from having one.
  CREATE TABLE boxes (
    run_id INTEGER NOT NULL REFERENCES box_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,
    seed INTEGER,
    score REAL,
    cluster INTEGER,
    distance REAL,
    error TEXT,
    PRIMARY KEY (run_id, image_id)
  );
  CREATE TABLE box_decisions (
    run_id INTEGER NOT NULL REFERENCES box_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    status TEXT CHECK (status IN ('accepted', 'rejected')),
    x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,
    cluster INTEGER,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, image_id)
  );
  CREATE TABLE mask_runs (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    k INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    centroid_file TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  -- histogram: JSON array of k pixel counts, for the legend and for filtering by segment.
  CREATE TABLE image_masks (
    run_id INTEGER NOT NULL REFERENCES mask_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    file TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    histogram TEXT NOT NULL,
    PRIMARY KEY (run_id, image_id)
  );
  CREATE TABLE segment_names (
    run_id INTEGER NOT NULL REFERENCES mask_runs(id) ON DELETE CASCADE,
    segment INTEGER NOT NULL,
    name TEXT NOT NULL,
    renamed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, segment)
  );
  `,
  // Diffusion models (model.onnx + model.json copied under diffusion-models/<id>/) and the history of
  // generations made with them (PNGs under generations/<id>/, parameters also inside each PNG).
  `
  CREATE TABLE diffusion_models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    dir TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    spec TEXT NOT NULL,
    source_run_id INTEGER,
    cluster_run_id INTEGER REFERENCES cluster_runs(id) ON DELETE SET NULL,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE generations (
    id INTEGER PRIMARY KEY,
    model_id INTEGER REFERENCES diffusion_models(id) ON DELETE SET NULL,
    parameters TEXT NOT NULL,
    random_seed INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    images INTEGER NOT NULL DEFAULT 0,
    preview_step INTEGER,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  `,
  // Diffusion training runs: what each trains on (guidance level and source), its parameters, and
  // where it is; files under runs/<id>/ (manifest, trainer run folder, log, metrics, exported model).
  `
  CREATE TABLE training_runs (
    id INTEGER PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('none', 'label', 'cluster', 'box', 'mask')),
    cluster_run_id INTEGER REFERENCES cluster_runs(id) ON DELETE SET NULL,
    labelling_id INTEGER REFERENCES labellings(id) ON DELETE SET NULL,
    box_run_id INTEGER,
    mask_run_id INTEGER,
    preset TEXT NOT NULL,
    parameters TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'training', 'exporting', 'done', 'failed', 'cancelled')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    step INTEGER NOT NULL DEFAULT 0,
    checkpoint_step INTEGER,
    loss REAL,
    images INTEGER,
    val_images INTEGER,
    missing_images INTEGER NOT NULL DEFAULT 0,
    skipped_images INTEGER NOT NULL DEFAULT 0,
    dir TEXT NOT NULL,
    model_dir TEXT,
    trainer_pid INTEGER,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  `,
  // People's edits of a clustering run, layered over the computed assignments: a recompute replaces
  // cluster_assignments only, never these (src/core/labels/effective-clusters.ts combines both).
  `
  -- Clusters made by splitting one: numbered from the run's k up.
  CREATE TABLE cluster_splits (
    run_id INTEGER NOT NULL REFERENCES cluster_runs(id) ON DELETE CASCADE,
    cluster INTEGER NOT NULL,
    split_from INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, cluster)
  );
  -- A merged cluster's images belong to into_cluster (always a cluster that is itself not merged).
  CREATE TABLE cluster_merges (
    run_id INTEGER NOT NULL REFERENCES cluster_runs(id) ON DELETE CASCADE,
    cluster INTEGER NOT NULL,
    into_cluster INTEGER NOT NULL,
    merged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, cluster)
  );
  -- Per image: the cluster a person moved it to (null: the computed one) and whether it is an outlier;
  -- distance: to the sub-centroid of a split (null: the computed distance).
  CREATE TABLE cluster_image_decisions (
    run_id INTEGER NOT NULL REFERENCES cluster_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    cluster INTEGER,
    distance REAL,
    outlier INTEGER NOT NULL DEFAULT 0,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (run_id, image_id)
  );
  `,
  // Label exports made from the app or the CLI: format, output folder, the runs read, and the counts
  // written; their progress and state are their job's (src/core/export/export-store.ts).
  `
  CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    format TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    cluster_run_id INTEGER,
    box_run_id INTEGER,
    mask_run_id INTEGER,
    accepted_only INTEGER NOT NULL DEFAULT 0,
    copy INTEGER NOT NULL DEFAULT 0,
    overwrite INTEGER NOT NULL DEFAULT 0,
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    images INTEGER,
    boxes INTEGER,
    masks INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
  );
  `,
  // Evaluations of training runs (SPEC §7): parameters, state, the encoder whose features were used and the
  // trainer's result.json; the grids live in runs/<run>/eval/<id>/ (src/core/evaluate/evaluation-store.ts).
  `
  CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
    parameters TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    encoder_id TEXT,
    result TEXT,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE INDEX evaluations_by_run ON evaluations (run_id, id);
  `,
  // Images a features job has started to decode or infer and not yet committed. Rows left behind tell the
  // next run that its process died on them (src/core/features/extract-job.ts isolates the culprit).
  `
  CREATE TABLE feature_inflight (
    model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (model_id, image_id)
  );
  `,
  // The image a boxes job's process is working on (one at a time). A mark left by a dead process is tried
  // once more as a retry; a death on the retry records the image as failed (src/core/labels/box-inflight.ts).
  `
  CREATE TABLE box_inflight (
    run_id INTEGER PRIMARY KEY REFERENCES box_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    retry INTEGER NOT NULL CHECK (retry IN (0, 1))
  );
  `,
  // How each image's features were decoded: the reference pipeline, or the opt-in fast JPEG decode
  // (src/core/features/preprocess.ts). Rows written before were all exact.
  `
  ALTER TABLE image_features ADD COLUMN decode TEXT NOT NULL DEFAULT 'exact' CHECK (decode IN ('exact', 'fast'));
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class NewerSchemaError extends Error {
  constructor(found: number) {
    super(
      `This project was written by a newer selfguide (schema version ${found}; this build understands up to ` +
        `${SCHEMA_VERSION}). Update selfguide to open it; the project was not changed.`,
    );
    this.name = 'NewerSchemaError';
  }
}

export function schemaVersion(db: Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/** Brings the schema up to date, one version per transaction; returns the version reached. */
export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): number {
  let version = schemaVersion(db);
  if (version > migrations.length) throw new NewerSchemaError(version);
  while (version < migrations.length) {
    const sql = migrations[version] as string;
    const next = version + 1;
    transaction(db, () => {
      db.exec(sql);
      db.exec('DELETE FROM schema_version');
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(next);
    });
    version = next;
  }
  return version;
}
