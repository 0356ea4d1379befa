/**
 * The `devices` table, shared by the app (ProjectStore) and the CLI (`easyquant devices`,
 * `deploy`, `profile` through app/device-registry.ts), so a board added in either is
 * known to both. Works on an open database handle and never touches other tables, so the CLI
 * can use it without ProjectStore's crash recovery (which would mark the app's running runs
 * as interrupted).
 */
import type { Db } from './db.js';
import { newId, nowIso } from './ids.js';

/** A transport plus its connection settings, stored as JSON (the app's DeviceConfig, or the deploy module's fields). */
export type StoredConfig = { transport: 'ssh' | 'serial' };

export interface DeviceRecord<C extends StoredConfig = StoredConfig> {
  id: string;
  name: string;
  config: C;
  hasSecret: boolean;
  probe: Record<string, unknown> | null;
  createdAt: string;
}

type Row = Record<string, unknown>;

// the caller names the config type it stored; JSON gives no more guarantee than that
function toRecord<C extends StoredConfig>(r: Row): DeviceRecord<C> {
  return {
    id: String(r.id),
    name: String(r.name),
    config: JSON.parse(String(r.config_json)) as C,
    hasSecret: r.secret_enc != null,
    probe: typeof r.probe_json === 'string' ? (JSON.parse(r.probe_json) as Record<string, unknown>) : null,
    createdAt: String(r.created_at),
  };
}

export function insertDevice<C extends StoredConfig>(db: Db, name: string, config: C, secretEnc: Buffer | null): DeviceRecord<C> {
  const id = newId('dev');
  db.prepare(`INSERT INTO devices (id, name, transport, config_json, secret_enc, created_at) VALUES (?, ?, ?, ?, ?, ?)`).run(
    id,
    name,
    config.transport,
    JSON.stringify(config),
    secretEnc,
    nowIso(),
  );
  return deviceById<C>(db, id)!;
}

/** New connection settings for an existing device (its id, profiles and secret stay). */
export function updateDeviceConfig(db: Db, id: string, config: StoredConfig): void {
  db.prepare(`UPDATE devices SET transport = ?, config_json = ?, probe_json = NULL WHERE id = ?`).run(config.transport, JSON.stringify(config), id);
}

export function deviceById<C extends StoredConfig = StoredConfig>(db: Db, id: string): DeviceRecord<C> | undefined {
  const r = db.prepare(`SELECT * FROM devices WHERE id = ?`).get(id) as Row | undefined;
  return r ? toRecord<C>(r) : undefined;
}

export function deviceByName<C extends StoredConfig = StoredConfig>(db: Db, name: string): DeviceRecord<C> | undefined {
  const r = db.prepare(`SELECT * FROM devices WHERE name = ?`).get(name) as Row | undefined;
  return r ? toRecord<C>(r) : undefined;
}

export function listDevices<C extends StoredConfig = StoredConfig>(db: Db): DeviceRecord<C>[] {
  return (db.prepare(`SELECT * FROM devices ORDER BY name`).all() as Row[]).map((r) => toRecord<C>(r));
}

export function deviceSecret(db: Db, id: string): Buffer | null {
  const r = db.prepare(`SELECT secret_enc FROM devices WHERE id = ?`).get(id) as Row | undefined;
  return (r?.secret_enc as Buffer | null) ?? null;
}

export function setDeviceProbe(db: Db, id: string, probe: Record<string, unknown>): void {
  db.prepare(`UPDATE devices SET probe_json = ? WHERE id = ?`).run(JSON.stringify(probe), id);
}

/** false when there was no such device */
export function deleteDevice(db: Db, id: string): boolean {
  return db.prepare(`DELETE FROM devices WHERE id = ?`).run(id).changes > 0;
}
