/**
 * Result types of every service method, keyed like API_SCHEMAS. Types only, so the renderer's
 * client can be typed end to end with `import type`.
 */
import type { DemoResult } from './demo.js';
import type { ApiMethod, ApiParams } from './app-schemas.js';
import type {
  AppInfo,
  DatasetInfo,
  DeviceInfo,
  EngineStatus,
  EvalResultInfo,
  ExportInfo,
  GraphInfo,
  HistogramInfo,
  ImageReviewInfo,
  ModelSizeInfo,
  FileListing,
  HostBenchInfo,
  ModelSummary,
  PreviewInfo,
  ProfileInfo,
  ProjectSummary,
  RunInfo,
} from './app-types.js';

export interface ProjectDetailDto {
  /** the embedded demo's measured table (demo projects only) */
  demo: DemoResult | null;
  /** overlay pictures of the demo (data URLs) */
  demoSamples: string[];
  project: ProjectSummary;
  dataset: DatasetInfo | null;
  runs: RunInfo[];
  results: EvalResultInfo[];
  exports: ExportInfo[];
  profiles: ProfileInfo[];
}

export interface ApiResults {
  'app.info': AppInfo;
  'app.ping': { t: number };
  'projects.list': ProjectSummary[];
  'projects.create': ProjectSummary;
  'projects.get': ProjectDetailDto;
  'projects.delete': { ok: true };
  'model.inspect': ModelSummary;
  'data.set': DatasetInfo;
  'data.preview': PreviewInfo;
  'calib.start': RunInfo;
  'calib.cancel': RunInfo;
  'calib.resume': RunInfo;
  'results.evaluate': EvalResultInfo[];
  'results.histogram': HistogramInfo;
  'exports.create': ExportInfo[];
  'devices.list': DeviceInfo[];
  'devices.add': DeviceInfo;
  'devices.remove': { ok: true };
  'devices.test': { ok: boolean; message: string; probe?: Record<string, unknown> };
  'profile.run': ProfileInfo[];
  'profile.list': ProfileInfo[];
  'devices.results': import('./device-result.js').DeviceResultInfo[];
  'demo.open': ProjectSummary;
  'engine.status': EngineStatus;
  'engine.build': EngineStatus;
  'results.images': ImageReviewInfo;
  'model.graph': GraphInfo;
  'model.size': ModelSizeInfo;
  'files.list': FileListing;
  'bench.host': HostBenchInfo;
  'projects.setModel': ProjectSummary;
  'precision.get': import('./app-types.js').LayerPrecisionMap;
  'precision.set': import('./app-types.js').LayerPrecisionMap;
  'precision.search': import('./app-types.js').MixedSearchInfo;
}

export type { ApiMethod, ApiParams };

/** Error payload both transports send back: `code` says whose fault it was. */
export interface ApiErrorPayload {
  code: 'bad_request' | 'user_error' | 'internal';
  message: string;
}
