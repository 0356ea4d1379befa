/**
 * What the app shows of the `device_results` table: every profile result of one board, the
 * ones `easyquant profile` stored as well as the app's own. An old results.jsonl (EQ_DEPLOY_HOME
 * or ~/.easyquant) is imported once first, so results from before the single data root show too.
 */
import path from 'node:path';
import { legacyDeployHome } from '../store/deploy-home.js';
import type { DeviceResultInfo } from '../store/device-results-table.js';
import type { ProjectStore } from '../store/project-store.js';

export function deviceResultsOf(store: ProjectStore, deviceId: string, oldHome = legacyDeployHome()): DeviceResultInfo[] {
  const dev = store.getDevice(deviceId);
  const file = path.join(oldHome, 'results.jsonl');
  const r = store.importResultsJsonl(file);
  if (r) console.warn(`[easyquant] imported ${r.imported} profile result(s) from ${file}${r.skipped ? ` (${r.skipped} unreadable line(s) skipped)` : ''}`);
  return store.listDeviceResults(dev.name);
}
