/**
 * Schema migrations for the project store. Each entry runs once, inside a transaction, and
 * bumps PRAGMA user_version to its `version`. Never edit a shipped migration: append a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        folder TEXT NOT NULL,
        model_path TEXT,
        card_path TEXT,
        model_sha256 TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        data_dir TEXT NOT NULL,
        labels_file TEXT,
        preprocess_json TEXT,
        kind TEXT NOT NULL,
        samples INTEGER NOT NULL,
        labelled INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX datasets_project ON datasets(project_id, created_at);
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        method TEXT NOT NULL,
        bits INTEGER NOT NULL,
        settings_json TEXT NOT NULL,
        calib_images INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled','interrupted')),
        error TEXT,
        artifact_dir TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        seconds REAL
      );
      CREATE INDEX runs_project ON runs(project_id, started_at);
      CREATE TABLE run_layers (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        cos_before REAL,
        cos_after REAL,
        PRIMARY KEY (run_id, name)
      );
      CREATE TABLE results (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        run_id TEXT REFERENCES runs(id) ON DELETE CASCADE,
        engine TEXT NOT NULL,
        images INTEGER NOT NULL,
        top1 REAL,
        top5 REAL,
        agreement REAL,
        mean_cosine REAL,
        layer_cosine_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX results_project ON results(project_id, created_at);
      CREATE TABLE exports (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        transport TEXT NOT NULL CHECK (transport IN ('ssh','serial')),
        config_json TEXT NOT NULL,
        secret_enc BLOB,
        probe_json TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        status TEXT NOT NULL,
        error TEXT,
        result_json TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX profiles_project ON profiles(project_id, created_at);
    `,
  },
  {
    version: 2,
    name: 'run progress snapshot (last event, for interrupted runs)',
    sql: `ALTER TABLE runs ADD COLUMN last_progress_json TEXT;`,
  },
  {
    version: 3,
    name: 'device results of the CLI and the app (replaces results.jsonl)',
    // one row per board x model variant; profile_id links the rows an app profile produced
    sql: `
      CREATE TABLE device_results (
        id TEXT PRIMARY KEY,
        device_name TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        bits INTEGER,
        method TEXT,
        machine TEXT,
        isa TEXT,
        result_json TEXT,
        error TEXT,
        source TEXT NOT NULL CHECK (source IN ('cli','app','import')),
        profile_id TEXT REFERENCES profiles(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
      );
      CREATE INDEX device_results_device ON device_results(device_name, created_at);
      CREATE INDEX device_results_model ON device_results(model_sha256, bits, method);
      CREATE TABLE legacy_imports (
        source TEXT PRIMARY KEY,
        imported INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        at TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'held-out start of an evaluation result',
    // null: evaluated from image 0 (calibration images included); n: images n.. only
    sql: `ALTER TABLE results ADD COLUMN held_out_from INTEGER;`,
  },
  {
    version: 5,
    name: 'per-output errors and per-image predictions of an evaluation result',
    // one row per evaluated image of a quantized result (FP32 and quantized top-1), for the flip gallery
    sql: `
      ALTER TABLE results ADD COLUMN outputs_json TEXT;
      CREATE TABLE result_images (
        result_id TEXT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sample_id TEXT NOT NULL,
        label INTEGER,
        ref_class INTEGER,
        ref_prob REAL,
        q_class INTEGER NOT NULL,
        q_prob REAL,
        out_cosine REAL,
        PRIMARY KEY (result_id, idx)
      );
    `,
  },
  {
    version: 6,
    name: 'per-layer precision of a project',
    // layers not listed use the run's bits; the next calibration, compile and export follow it
    sql: `
      CREATE TABLE layer_precision (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        layer TEXT NOT NULL,
        precision TEXT NOT NULL CHECK (precision IN ('fp32', 'int8', 'int7')),
        PRIMARY KEY (project_id, layer)
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
