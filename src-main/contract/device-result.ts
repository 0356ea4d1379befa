/** One profile result of a board as the app and `easyquant results` list it (device_results table). */
import type { StoredAccuracy, StoredBench } from './bench-report.js';

export type ResultSource = 'cli' | 'app' | 'import';

export interface DeviceResultInfo {
  id: string;
  device: string;
  modelSha256: string;
  bits: number | null;
  method: string | null;
  label: string | null;
  machine: string | null;
  isa: string | null;
  bench: StoredBench | null;
  accuracy: StoredAccuracy | null;
  error: string | null;
  source: ResultSource;
  /** the app profile that produced it (null: the CLI or an import) */
  profileId: string | null;
  at: string;
}
