/**
 * The boards the CLI deploys to (`easyquant devices|deploy|profile`), kept in the same SQLite
 * `devices` table as the app's Devices page (store/device-table.ts, in EQ_DATA_DIR), so a
 * board added in either is known to both. Rows are validated against the deploy module's
 * schema on the way out: a board the app stores without a key path (password login, desktop
 * only) is listed as unusable from the CLI instead of failing the whole list.
 *
 * Boards registered by an earlier version in `<old deploy home>/devices.json` (EQ_DEPLOY_HOME or
 * ~/.easyquant) are imported once (the file is then renamed to devices.json.imported).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { deviceSchema, type Device, type DeviceInput, type Probe } from '../contract/device.js';
import { databaseFile, defaultDataDir } from '../store/data-dir.js';
import { deployHome, legacyDeployHome } from '../store/deploy-home.js';
import { openDatabase, type Db } from '../store/db.js';
import * as table from '../store/device-table.js';

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || 'device'}: ${i.message}`).join('; ');
}

export class DeviceRegistry {
  private readonly db: Db;
  /** boards that are in the table but cannot be used from here, with the reason */
  readonly unusable: { name: string; reason: string }[] = [];

  /** where the devices table lives */
  readonly dataRoot: string;
  /** the deploy home: known hosts, push cache (`<dataRoot>/deploy`) */
  readonly home: string;
  private readonly legacyHome: string;

  constructor(o: { dataRoot?: string; home?: string; legacyHome?: string } = {}) {
    this.dataRoot = o.dataRoot ?? defaultDataDir();
    this.home = o.home ?? deployHome(this.dataRoot);
    this.legacyHome = o.legacyHome ?? legacyDeployHome();
    this.db = openDatabase(databaseFile(this.dataRoot));
    this.importLegacy();
  }

  close(): void {
    this.db.close();
  }

  list(): Device[] {
    this.unusable.length = 0;
    const out: Device[] = [];
    for (const r of table.listDevices(this.db)) {
      const d = this.toDevice(r);
      if ('reason' in d) this.unusable.push({ name: r.name, reason: d.reason });
      else out.push(d);
    }
    return out;
  }

  get(name: string): Device {
    const r = table.deviceByName(this.db, name);
    if (!r) throw new Error(`no device named '${name}' (known: ${this.names().join(', ') || 'none'}; add one with 'easyquant devices add')`);
    const d = this.toDevice(r);
    if ('reason' in d) throw new Error(`device '${name}' cannot be used from the CLI: ${d.reason}`);
    return d;
  }

  add(input: DeviceInput, replace = false): Device {
    const r = deviceSchema.safeParse(input);
    if (!r.success) throw new Error(`invalid device: ${issues(r.error)}`);
    const { name, probe: _probe, ...config } = r.data;
    const existing = table.deviceByName(this.db, name);
    if (existing && !replace) throw new Error(`a device named '${name}' already exists (remove it first)`);
    if (existing) table.updateDeviceConfig(this.db, existing.id, config);
    else table.insertDevice(this.db, name, config, null);
    return this.get(name);
  }

  remove(name: string): void {
    const r = table.deviceByName(this.db, name);
    if (!r) throw new Error(`no device named '${name}'`);
    table.deleteDevice(this.db, r.id);
  }

  setProbe(name: string, probe: Probe): void {
    const r = table.deviceByName(this.db, name);
    if (r) table.setDeviceProbe(this.db, r.id, { ...probe });
  }

  private names(): string[] {
    return table.listDevices(this.db).map((r) => r.name);
  }

  private toDevice(r: table.DeviceRecord): Device | { reason: string } {
    const c = r.config as { transport: 'ssh' | 'serial'; keyPath?: string };
    // the secret is encrypted by the desktop app's OS keychain: the CLI cannot decrypt it
    if (c.transport === 'ssh' && !c.keyPath) return { reason: 'it has no SSH key path (password login is only stored and used by the desktop app)' };
    if (r.hasSecret) return { reason: `its key's passphrase is stored encrypted by the desktop app, which only the desktop app can decrypt` };
    const p = deviceSchema.safeParse({ ...c, name: r.name, probe: r.probe && typeof r.probe['machine'] === 'string' ? r.probe : undefined });
    return p.success ? p.data : { reason: issues(p.error) };
  }

  private importLegacy(): void {
    const file = path.join(this.legacyHome, 'devices.json');
    if (!fs.existsSync(file)) return;
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`old device registry ${file} is not valid JSON (${(e as Error).message}); fix or remove it`);
    }
    const r = z.object({ devices: z.array(deviceSchema) }).safeParse(raw);
    if (!r.success) throw new Error(`old device registry ${file} is invalid: ${issues(r.error)}; fix or remove it`);
    const importAll = this.db.transaction(() => {
      for (const d of r.data.devices) {
        if (table.deviceByName(this.db, d.name)) continue;
        const { name, probe, ...config } = d;
        const rec = table.insertDevice(this.db, name, config, null);
        if (probe) table.setDeviceProbe(this.db, rec.id, { ...probe });
      }
    });
    importAll();
    fs.renameSync(file, `${file}.imported`);
  }
}
